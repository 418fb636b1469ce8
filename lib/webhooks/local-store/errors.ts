import { MailgateError } from '../../mail/errors.js';

/**
 * The local webhook store could not do its work. `internal_error`: the
 * operator fixes it, not the client. Details name files, never their
 * contents (they hold signing secrets).
 */
export class WebhookStoreError extends MailgateError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('internal_error', detail, options);
    this.name = 'WebhookStoreError';
  }
}

/** Another process (or another store in this one) has the directory open. */
export class WebhookStoreLockedError extends WebhookStoreError {
  constructor(detail: string) {
    super(detail);
    this.name = 'WebhookStoreLockedError';
  }
}

/** A file that was completely written (a snapshot, or a log line before the last) does not read back. */
export class WebhookStoreCorruptError extends WebhookStoreError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'WebhookStoreCorruptError';
  }
}
