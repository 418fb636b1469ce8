import type { Context } from 'hono';
import { InvalidRequestError } from '../mail/errors.js';
import type { MailboxRef } from '../mail/types.js';
import type { AppEnv } from './app-env.js';
import { parseMailboxSegment, rawMailboxSegment } from './mailbox-ref.js';

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
