import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requireWriteScope, resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { mayHoldOurTag, messageEtag, noneMatchFails, REVALIDATE_CACHE_CONTROL } from '../../etag.js';
import { isTrue } from '../../input-limits.js';
import { messageScope } from '../../mailbox-ref.js';
import { messageSchema } from '../../schemas/message.schema.js';
import { openStore, useThenClose } from '../../store-session.js';
import { checkIdOffline } from '../downloads/downloads.handlers.js';
import { dependsOnFlags, displayMessage, parseFields, selectFields, storeRead } from './message-display.js';
import { downloadBase, withLinks } from './message-links.js';
import type { getMessage, getMessageInMailbox } from './messages.routes.js';

/** Every top-level field of the answer, for `?fields=`. */
const ANSWER_FIELDS = Object.keys(messageSchema.shape);

/** Only the flags: the conditional read of a message whose answer depends on them. */
const FLAGS_ONLY: ReadonlySet<string> = new Set(['id', 'flags']);

function notModified(c: Context<AppEnv>, etag: string): Response {
  return c.body(null, 304, { ETag: etag, 'Cache-Control': REVALIDATE_CACHE_CONTROL });
}

/**
 * The message answer, with a weak ETag over its id, its query and its flags
 * (see etag.ts). A request whose If-None-Match may hold that tag costs, on
 * IMAP, one `UID FETCH <uid> (UID FLAGS)` and is answered 304 when it does;
 * an answer that shows no flag (`fields` without them) or a POP3 message
 * never changes, so its tag is known without the server and a match costs
 * no connection at all.
 */
export const getMessageHandler = (async (c) => {
  const params = c.req.valid('param');
  const query = c.req.valid('query');
  const markSeen = isTrue(query.markSeen);
  // A read that writes: refused for read tokens before anything is looked up.
  if (markSeen) requireWriteScope(c);
  const fields = parseFields(query.fields, ANSWER_FIELDS);
  const account = await resolveAccount(c, params.account);
  const scope = messageScope(c, params);
  const display = {
    body: query.body ?? 'both',
    html: query.html ?? 'raw',
    images: query.images ?? 'block',
    headers: query.headers ?? 'decoded',
    maxBodyBytes: query.maxBodyBytes ?? null,
  } as const;
  const base = downloadBase(c);
  const canonicalQuery = JSON.stringify([
    display.body,
    display.html,
    display.images,
    display.headers,
    display.maxBodyBytes,
    fields === null ? null : [...fields].sort(),
  ]);
  const withFlags = account.protocol === 'imap' && dependsOnFlags(fields);
  const tagFor = (flags: readonly string[]) =>
    messageEtag(account, scope, params.id, canonicalQuery, base, withFlags ? flags : null);
  const ifNoneMatch = c.req.header('If-None-Match');
  const conditional = !markSeen && mayHoldOurTag(ifNoneMatch);

  if (conditional && !withFlags && noneMatchFails(ifNoneMatch, tagFor([]))) {
    checkIdOffline(account, scope, params.id);
    return notModified(c, tagFor([]));
  }
  return useThenClose(openStore(c, account), async (store) => {
    if (conditional && withFlags) {
      const current = await store.getMessage(scope, params.id, {
        body: 'none',
        maxBodyBytes: null,
        markSeen: false,
        fields: FLAGS_ONLY,
      });
      const etag = tagFor(current.flags);
      if (noneMatchFails(ifNoneMatch, etag)) return notModified(c, etag);
    }
    const read = storeRead(fields, display);
    const message = await store.getMessage(scope, params.id, {
      ...read,
      maxBodyBytes: display.maxBodyBytes,
      markSeen,
    });
    const etag = tagFor(message.flags);
    // After markSeen the flags are known only now.
    if (ifNoneMatch !== undefined && noneMatchFails(ifNoneMatch, etag)) return notModified(c, etag);
    const answer = selectFields(await displayMessage(withLinks(message, base, account.id), display), fields);
    return c.json(answer, 200, { ETag: etag, 'Cache-Control': REVALIDATE_CACHE_CONTROL });
  });
}) satisfies RouteHandler<typeof getMessage | typeof getMessageInMailbox, AppEnv>;
