import type { Context } from 'hono';
import { InvalidRequestError, MailboxNotFoundError } from '../mail/errors.js';
import type { MailboxRef, MailboxRole, MessageScope } from '../mail/types.js';
import { MAILBOX_ROLES } from '../mail/types.js';
import type { AppEnv } from './app-env.js';

const ROLE_PREFIX = '~';
const ESCAPED_ROLE_PREFIX = '%7E';

/** The mailbox segment as sent, before any decoding; the account segment never needs encoding. */
const RAW_MAILBOX_SEGMENT = /\/accounts\/[^/]+\/mailboxes\/([^/?#]+)/;

function isRole(value: string): value is MailboxRole {
  return (MAILBOX_ROLES as readonly string[]).includes(value);
}

/**
 * The mailbox segment exactly as the client sent it (still percent-encoded),
 * or undefined when the URL does not have the expected shape. Roles are
 * decided on this form: `%7E…` decodes to `~` too, but is how a client names
 * a mailbox whose path really starts with `~`.
 */
export function rawMailboxSegment(url: string): string | undefined {
  const pathname = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split(/[?#]/)[0] ?? '';
  return RAW_MAILBOX_SEGMENT.exec(pathname)?.[1];
}

/**
 * Turns the (percent-decoded, length- and character-checked) mailbox segment
 * into a reference: `~sent` names a role, anything else is the mailbox's
 * full path, which may contain the hierarchy delimiter (sent as `%2F`).
 * @throws MailboxNotFoundError for an unknown role.
 */
export function parseMailboxSegment(decoded: string, namesRole: boolean): MailboxRef {
  if (!namesRole) return { kind: 'path', path: decoded };
  const role = decoded.slice(ROLE_PREFIX.length);
  if (!isRole(role)) throw new MailboxNotFoundError('No such mailbox role.');
  return { kind: 'role', role };
}

/** The inverse, for building links: one percent-encoded path segment. */
export function encodeMailboxSegment(path: string): string {
  // encodeURIComponent leaves `~` alone; a literal leading `~` must not read back as a role.
  const encoded = encodeURIComponent(path);
  return encoded.startsWith(ROLE_PREFIX) ? `${ESCAPED_ROLE_PREFIX}${encoded.slice(1)}` : encoded;
}

/**
 * The request's mailbox, decoded exactly once from the segment as sent.
 * The router's own decoding leaves invalid UTF-8 escapes (`%FF`) in place;
 * here they are a 400 rather than a mailbox literally named `%FF`.
 * @throws InvalidRequestError, MailboxNotFoundError (unknown role)
 */
export function requestMailbox(c: Context<AppEnv>, routerDecoded: string): MailboxRef {
  const raw = rawMailboxSegment(c.req.url);
  if (raw === undefined) return parseMailboxSegment(routerDecoded, routerDecoded.startsWith('~'));
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new InvalidRequestError('The mailbox segment is not valid percent-encoded UTF-8.');
  }
  return parseMailboxSegment(decoded, raw.startsWith('~'));
}

/**
 * A mailbox named in a JSON body (`{"to": …}`): a leading `~` names a role as
 * in a URL; a path that itself starts with `~` doubles it (`~~Notes` is the
 * path `~Notes`), since a JSON string has no percent-encoding to escape it.
 * @throws MailboxNotFoundError for an unknown role.
 */
export function parseMailboxTarget(value: string): MailboxRef {
  if (value.startsWith(`${ROLE_PREFIX}${ROLE_PREFIX}`)) return { kind: 'path', path: value.slice(1) };
  return parseMailboxSegment(value, value.startsWith(ROLE_PREFIX));
}

/**
 * Where a message route looks its id up: the mailbox a nested alias names
 * (the id must belong to it), or, on the account-level routes, the mailbox
 * the id itself names.
 * @throws InvalidRequestError, MailboxNotFoundError (unknown role)
 */
export function messageScope(
  c: Context<AppEnv>,
  params: { account: string; mailbox?: string },
): MessageScope {
  return params.mailbox === undefined ? null : requestMailbox(c, params.mailbox);
}
