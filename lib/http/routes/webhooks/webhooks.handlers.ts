import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Account } from '../../../credentials/account.js';
import {
  InvalidRequestError,
  MailboxNotFoundError,
  WebhookLimitError,
  WebhookNotFoundError,
} from '../../../mail/errors.js';
import type { MailStore } from '../../../mail/store.js';
import { createEvent, DEFAULT_EVENT_TYPES, type EventType } from '../../../webhooks/events.js';
import { isWebhookId, type WebhookPatch, type WebhookRecord } from '../../../webhooks/repository.js';
import { createWebhookSecret } from '../../../webhooks/signing.js';
import { checkWebhookUrl } from '../../../webhooks/url-guard.js';
import { checkMailbox, webhookMailboxRef } from '../../../webhooks/watch-mailbox.js';
import { resolveAccount } from '../../account-access.js';
import type { AppEnv, WebhookChange, WebhookDeps } from '../../app-env.js';
import { withStore } from '../../store-session.js';
import { webhookDeps } from './webhooks.access.js';
import type {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  testWebhook,
  updateWebhook,
} from './webhooks.routes.js';
import { MAX_WEBHOOKS_PER_ACCOUNT } from './webhooks.schema.js';

/** A mailbox name is quoted in a refusal up to this many characters. */
const MAX_NAME_CHARS = 80;

function clip(name: string): string {
  return name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS)}…` : name;
}

/** The answer, field by field: the secret is never spread into it. */
function present(record: WebhookRecord) {
  return {
    id: record.id,
    url: record.url,
    mailboxes: [...record.mailboxes],
    events: [...record.events],
    status: record.status,
    lastError: record.lastError,
    nextRetryAt: record.nextRetryAt,
    disabledReason: record.disabledReason,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function webhookLocation(accountId: string, id: string): string {
  return `/v1/accounts/${encodeURIComponent(accountId)}/webhooks/${id}`;
}

/**
 * The account's webhook of that id. A malformed id, an unknown one and
 * another account's all get the same 404, so ids of other tenants cannot
 * be probed.
 * @throws WebhookNotFoundError
 */
async function findWebhook(deps: WebhookDeps, account: Account, id: string): Promise<WebhookRecord> {
  if (!isWebhookId(id)) throw new WebhookNotFoundError();
  const record = await deps.repository.get(account.id, id);
  if (!record) throw new WebhookNotFoundError();
  return record;
}

/**
 * The URL rules (url-guard.ts) with this server's setting, a name resolved
 * within the request's deadline.
 * @throws WebhookUrlError (400): its detail names the reason, never the path or query.
 */
async function checkUrl(c: Context<AppEnv>, deps: WebhookDeps, url: string): Promise<void> {
  await checkWebhookUrl(url, {
    allowPrivate: deps.allowPrivate,
    signal: c.get('signal'),
    ...(deps.resolve === undefined ? {} : { resolve: deps.resolve }),
  });
}

/**
 * The events to store. Named ones are checked against what the account can
 * produce: without flags (POP3) there is never a `message.updated`, and a
 * subscription that can never fire is refused rather than kept silent.
 * Unnamed, every mail event the account can produce.
 * @throws InvalidRequestError
 */
function eventsFor(c: Context<AppEnv>, account: Account, requested: EventType[] | undefined): EventType[] {
  const { flags } = c.get('deps').stores.capabilities(account);
  if (requested === undefined)
    return DEFAULT_EVENT_TYPES.filter((type) => flags || type !== 'message.updated');
  if (!flags && requested.includes('message.updated')) {
    throw new InvalidRequestError(
      account.protocol === 'pop3'
        ? 'POP3 accounts have no flags, so message.updated is never delivered for them; leave it out ' +
            '(POP3 webhooks get message.created, message.deleted and mailbox.reset).'
        : 'This account cannot report flag changes, so message.updated is never delivered for it; leave it out.',
    );
  }
  return requested;
}

/**
 * Resolves every mailbox named on the account's open store: each must
 * exist, and no two may name the same one (`INBOX` and `~inbox`), which
 * would deliver each event twice. The paths, in the order named.
 * @throws MailboxNotFoundError, InvalidRequestError, the store's upstream errors
 */
async function resolveMailboxes(store: MailStore, names: readonly string[]): Promise<string[]> {
  const named = new Map<string, string>();
  for (const name of names) {
    let path: string;
    try {
      path = (await store.getMailbox(webhookMailboxRef(name))).path;
    } catch (error) {
      if (error instanceof MailboxNotFoundError) {
        throw new MailboxNotFoundError(`The mailbox "${clip(name)}" was not found: ${error.detail}`, {
          cause: error,
        });
      }
      throw error;
    }
    const other = named.get(path);
    if (other !== undefined) {
      throw new InvalidRequestError(
        `"${clip(other)}" and "${clip(name)}" name the same mailbox; name each mailbox once.`,
      );
    }
    named.set(path, name);
  }
  return [...named.keys()];
}

/**
 * The watcher's first look at each of `paths` for a stored webhook, on the
 * request's store: the cursor starts at the mailbox's current state (POP3:
 * its UIDL listing), so mail arriving once the request is answered is an
 * event, however late the watcher first looks.
 * @throws UnsupportedOperationError (a mailbox without a change state), the store's errors
 */
async function takeFirstLooks(
  c: Context<AppEnv>,
  deps: WebhookDeps,
  store: MailStore,
  webhook: WebhookRecord,
  paths: readonly string[],
): Promise<void> {
  for (const path of paths) {
    await checkMailbox({
      repository: deps.repository,
      store,
      webhook,
      mailbox: { kind: 'path', path },
      logger: c.get('logger'),
    });
  }
}

/** Deletes a webhook the request stored but does not answer with; a failure is logged (ids only). */
async function takeBack(c: Context<AppEnv>, deps: WebhookDeps, record: WebhookRecord): Promise<void> {
  try {
    await deps.repository.delete(record.account, record.id);
  } catch (error) {
    c.get('logger').warn('a webhook the request could not complete was not deleted', {
      webhook: record.id,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
}

/**
 * Tells the watching side, once the store holds the change. Its failure is
 * logged (ids only) and is not the request's: the watcher finds the change
 * on its next round.
 */
async function announce(
  c: Context<AppEnv>,
  deps: WebhookDeps,
  id: string,
  what: WebhookChange,
): Promise<void> {
  if (!deps.changed) return;
  try {
    await deps.changed(id, what);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    c.get('logger').warn('webhook change could not be announced', {
      webhook: id,
      change: what,
      error: error instanceof Error ? error.name : 'unknown',
      ...(typeof code === 'string' ? { code } : {}),
    });
  }
}

function limitReached(): WebhookLimitError {
  return new WebhookLimitError(
    `This account already has ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks, the most one account may have. ` +
      'Delete one first.',
  );
}

export const createWebhookHandler: RouteHandler<typeof createWebhook, AppEnv> = async (c) => {
  const deps = webhookDeps(c);
  const { account: accountId } = c.req.valid('param');
  const body = c.req.valid('json');
  const account = await resolveAccount(c, accountId);
  const events = eventsFor(c, account, body.events);
  await checkUrl(c, deps, body.url);
  if ((await deps.repository.list(account.id)).length >= MAX_WEBHOOKS_PER_ACCOUNT) throw limitReached();
  const record = await withStore(c, account, async (store) => {
    const paths = await resolveMailboxes(store, body.mailboxes);
    const stored = await deps.repository.create({
      account: account.id,
      url: body.url,
      mailboxes: [...body.mailboxes],
      events,
      secret: createWebhookSecret(),
    });
    // Nothing is left stored unless the answer is the 201.
    try {
      // Creates that raced past the first check: the ones beyond the cap, in creation order, are taken back.
      const order = (await deps.repository.list(account.id)).findIndex((webhook) => webhook.id === stored.id);
      if (order >= MAX_WEBHOOKS_PER_ACCOUNT) throw limitReached();
      // After it is stored, so the cursors can be committed; before the answer, so no mail is missed.
      await takeFirstLooks(c, deps, store, stored, paths);
    } catch (error) {
      await takeBack(c, deps, stored);
      throw error;
    }
    return stored;
  });
  await announce(c, deps, record.id, 'created');
  c.header('Location', webhookLocation(account.id, record.id));
  return c.json({ ...present(record), secret: record.secret }, 201);
};

export const listWebhooksHandler: RouteHandler<typeof listWebhooks, AppEnv> = async (c) => {
  const deps = webhookDeps(c);
  const account = await resolveAccount(c, c.req.valid('param').account);
  const records = await deps.repository.list(account.id);
  return c.json({ webhooks: records.map(present) }, 200);
};

export const getWebhookHandler: RouteHandler<typeof getWebhook, AppEnv> = async (c) => {
  const deps = webhookDeps(c);
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  return c.json(present(await findWebhook(deps, account, params.id)), 200);
};

export const updateWebhookHandler: RouteHandler<typeof updateWebhook, AppEnv> = async (c) => {
  const deps = webhookDeps(c);
  const params = c.req.valid('param');
  const body = c.req.valid('json');
  const account = await resolveAccount(c, params.account);
  const current = await findWebhook(deps, account, params.id);
  const patch: WebhookPatch = {};
  if (body.events !== undefined) patch.events = eventsFor(c, account, body.events);
  if (body.url !== undefined) {
    await checkUrl(c, deps, body.url);
    patch.url = body.url;
  }
  if (body.mailboxes !== undefined) {
    const paths = await withStore(c, account, async (store) => {
      const resolved = await resolveMailboxes(store, body.mailboxes!);
      // Mailboxes added: their first look before the answer. Those kept go on from their cursors.
      const cursors = await deps.repository.listCursors(current.id);
      const added = resolved.filter((path) => cursors[path] === undefined);
      try {
        await takeFirstLooks(c, deps, store, current, added);
      } catch (error) {
        // Nothing of a refused PATCH stays: the cursors its first looks started are dropped again.
        await deps.repository.update(account.id, current.id, { keepCursors: Object.keys(cursors) });
        throw error;
      }
      return resolved;
    });
    patch.mailboxes = [...body.mailboxes];
    // Mailboxes no longer named lose their cursors: named again later, they start from then.
    patch.keepCursors = paths;
  }
  if (body.status !== undefined) patch.status = body.status;
  const updated = await deps.repository.update(account.id, params.id, patch);
  // Deleted while the mailboxes were checked.
  if (!updated) throw new WebhookNotFoundError();
  await announce(c, deps, updated.id, 'updated');
  return c.json(present(updated), 200);
};

export const deleteWebhookHandler: RouteHandler<typeof deleteWebhook, AppEnv> = async (c) => {
  const deps = webhookDeps(c);
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  if (!isWebhookId(params.id) || !(await deps.repository.delete(account.id, params.id))) {
    throw new WebhookNotFoundError();
  }
  await announce(c, deps, params.id, 'deleted');
  return c.body(null, 204);
};

export const testWebhookHandler: RouteHandler<typeof testWebhook, AppEnv> = async (c) => {
  const deps = webhookDeps(c);
  const params = c.req.valid('param');
  const account = await resolveAccount(c, params.account);
  const record = await findWebhook(deps, account, params.id);
  const event = createEvent('ping', { account: account.id, webhook: record.id });
  if (!(await deps.repository.enqueue(record.id, [event]))) throw new WebhookNotFoundError();
  await announce(c, deps, record.id, 'queued');
  return c.json({ id: event.id, type: 'ping' as const }, 202);
};
