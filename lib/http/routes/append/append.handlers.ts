import type { RouteHandler } from '@hono/zod-openapi';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv } from '../../app-env.js';
import { requireCapability } from '../../capability-guard.js';
import { normaliseFlags } from '../../flags.js';
import { requestMailbox } from '../../mailbox-ref.js';
import { assertPlausibleMessage } from '../../plausible-message.js';
import type { AppendJsonInput } from '../../schemas/write.schema.js';
import { withStore } from '../../store-session.js';
import { messageUrl } from '../messages/message-links.js';
import type { appendMessage } from './append.routes.js';
import { decodeRaw, isJsonUpload } from './append-body.js';

export const appendMessageHandler: RouteHandler<typeof appendMessage, AppEnv> = async (c) => {
  const params = c.req.valid('param');
  const max = c.get('deps').config.MAILGATE_MAX_UPLOAD_BYTES;
  let input: { raw: Buffer; flags: string[]; date: Date | null };
  if (isJsonUpload(c)) {
    // Typed as either media type's schema; only the JSON one is validated, and this is the JSON branch.
    const body = c.req.valid('json') as AppendJsonInput;
    input = {
      raw: decodeRaw(body.raw, max),
      flags: normaliseFlags(body.flags ?? []),
      date: body.date === undefined ? null : new Date(body.date),
    };
  } else {
    input = { raw: Buffer.from(await c.req.arrayBuffer()), flags: [], date: null };
  }
  assertPlausibleMessage(input.raw);
  const account = await resolveAccount(c, params.account);
  requireCapability(c, account, 'append');
  const mailbox = requestMailbox(c, params.mailbox);
  const stored = await withStore(c, account, (store) => store.appendMessage(mailbox, input));
  c.header('Location', messageUrl('', account.id, stored.id));
  return c.json({ id: stored.id }, 201);
};
