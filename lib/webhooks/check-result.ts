/** What one look at a watched mailbox did (checkMailbox, for IMAP and POP3 alike). */
export interface CheckMailboxResult {
  /** Events queued by this call (after filtering by the webhook's `events`). */
  committed: number;
  /** Whether the stored state was found expired and a `mailbox.reset` step committed. */
  reset: boolean;
}
