/**
 * The message routes are account-level (`/v1/accounts/{account}/messages/{id}`):
 * an id names its mailbox. The routes nested under a mailbox are kept as
 * deprecated aliases; there the id must belong to the mailbox named.
 */
export const ACCOUNT_MESSAGE_PATH = '/v1/accounts/{account}/messages/{id}';
export const NESTED_MESSAGE_PATH = '/v1/accounts/{account}/mailboxes/{mailbox}/messages/{id}';

/** What an alias adds to its route's description and summary. */
export function aliasOf<T extends { summary: string; description?: string }>(
  route: T,
  canonicalPath: string,
) {
  return {
    ...route,
    summary: `${route.summary} (mailbox-nested alias)`,
    description:
      `Deprecated: use \`${canonicalPath}\`, where the id alone names the message. ` +
      'Here the id must belong to the mailbox named, else 404 `message_not_found`.' +
      (route.description ? `\n\n${route.description}` : ''),
    deprecated: true,
  };
}
