import { setMaxListeners } from 'node:events';
import type { Account } from '../../credentials/account.js';
import type { CredentialStore } from '../../credentials/store.js';
import { isMailgateError } from '../../mail/errors.js';
import type { Logger } from '../../mail/logger.js';
import type { MailStore, MailStoreFactory } from '../../mail/store.js';
import { errorFields } from '../attempt-delivery.js';
import type { ActiveWebhook, PollerWebhookRepository } from '../poller-repository.js';
import type { WebhookRecord } from '../repository.js';
import { checkMailbox } from '../watch-mailbox.js';
import { distinctWakeUps, type WakeUp, type WakeUpSender } from './wake-up.js';

/**
 * The scheduled poller's one run over one segment: every active webhook's
 * mailboxes (as a consistent read of the webhook gives them, not the
 * eventually consistent index) are looked at once (`checkMailbox`: changes since the stored
 * cursor become queued events, committed with the cursor by a
 * compare-and-set), then the delivery queue gets a wake-up for every
 * webhook that has something due: events queued by this run, or a head
 * that was already due (a wake-up lost, or a retry come due).
 *
 * All of an account's webhooks fall in one segment, so this run alone
 * holds that account's connections: at most `connectionsPerAccount` at a
 * time, each a store the mailboxes are looked at through one after the
 * other. Accounts run in parallel, up to `accountConcurrency`.
 *
 * No check starts once less than `marginMs` of the invocation remains
 * (those are logged as skipped: the next run looks at them), and checks
 * still running when half the margin remains are aborted, so the
 * wake-ups are always sent. One mailbox's failure never stops the others.
 */

export const DEFAULT_CONNECTIONS_PER_ACCOUNT = 1;
export const DEFAULT_ACCOUNT_CONCURRENCY = 16;
/** Stop starting checks when less than this remains (the wake-ups and logs need a moment). */
export const DEFAULT_POLLER_MARGIN_MS = 10_000;

export interface PollSegmentOptions {
  repository: PollerWebhookRepository;
  credentials: Pick<CredentialStore, 'getAccount'>;
  stores: MailStoreFactory;
  wakeUps: WakeUpSender;
  logger: Logger;
  segment: number;
  segments: number;
  /** The invocation's remaining time (Lambda's `getRemainingTimeInMillis`). */
  remainingMs: () => number;
  marginMs?: number;
  connectionsPerAccount?: number;
  accountConcurrency?: number;
  now?: () => Date;
}

export interface PollSegmentResult {
  /** Webhooks in the segment. */
  webhooks: number;
  accounts: number;
  /** Mailbox checks finished, failed, and not started for want of time. */
  checked: number;
  failed: number;
  skipped: number;
  /** Events queued by this run. */
  queued: number;
  /** Wake-up messages sent, and those that could not be. */
  wakeUps: number;
  wakeUpsFailed: number;
}

interface Check {
  webhook: WebhookRecord;
  mailbox: string;
}

/**
 * Runs one poll of `segment` of `segments`.
 * @throws only when the segment's webhooks cannot be listed (the store is
 *   unavailable): nothing was checked, the next run tries again.
 */
export async function pollSegment(options: PollSegmentOptions): Promise<PollSegmentResult> {
  const { repository, logger, segment, segments } = options;
  const now = options.now ?? (() => new Date());
  const marginMs = options.marginMs ?? DEFAULT_POLLER_MARGIN_MS;
  const perAccount = options.connectionsPerAccount ?? DEFAULT_CONNECTIONS_PER_ACCOUNT;
  const accountConcurrency = options.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY;
  if (!(Number.isSafeInteger(perAccount) && perAccount >= 1)) {
    throw new RangeError('connectionsPerAccount must be a whole number ≥ 1');
  }
  if (!(Number.isSafeInteger(accountConcurrency) && accountConcurrency >= 1)) {
    throw new RangeError('accountConcurrency must be a whole number ≥ 1');
  }

  const active = await repository.listActiveSegment(segment, segments);
  const byAccount = new Map<string, ActiveWebhook[]>();
  for (const entry of active) {
    const list = byAccount.get(entry.webhook.account) ?? [];
    list.push(entry);
    byAccount.set(entry.webhook.account, list);
  }
  const result: PollSegmentResult = {
    webhooks: active.length,
    accounts: byAccount.size,
    checked: 0,
    failed: 0,
    skipped: 0,
    queued: 0,
    wakeUps: 0,
    wakeUpsFailed: 0,
  };
  /** Webhooks this run queued events for. */
  const queuedFor = new Set<string>();
  /** Webhooks the index listed that are disabled or deleted by now. */
  const gone = new Set<string>();

  // Checks still running when half the margin remains are cut, so the wake-ups below still go out.
  const abort = new AbortController();
  // Every store of the run listens on it: as many listeners as connections.
  setMaxListeners(0, abort.signal);
  const hardStop = setTimeout(
    () => {
      logger.warn('webhook mailbox checks still running are cut: the invocation is about to end', {
        code: 'invocation_ending',
      });
      abort.abort(new Error('the invocation is about to end'));
    },
    Math.max(0, options.remainingMs() - marginMs / 2),
  );
  hardStop.unref?.();
  const timeLeft = () => options.remainingMs() >= marginMs && !abort.signal.aborted;

  /**
   * The index is eventually consistent: each webhook is read again (a
   * consistent read) and acted on as it is now; one disabled or deleted
   * meanwhile is left alone (no check, no wake-up).
   */
  const readAgain = async (listed: ActiveWebhook[], accountLogger: Logger): Promise<WebhookRecord[]> => {
    const current = await Promise.all(
      listed.map(async ({ webhook }) => {
        try {
          const fresh = await repository.get(webhook.account, webhook.id);
          if (fresh === undefined || fresh.status === 'disabled') {
            gone.add(webhook.id);
            accountLogger.debug('webhook left alone: disabled or deleted since the index was read', {
              webhook: webhook.id,
            });
            return undefined;
          }
          return fresh;
        } catch (error) {
          result.failed += webhook.mailboxes.length;
          accountLogger.error('webhook could not be read', { webhook: webhook.id, ...codeOf(error) });
          return undefined;
        }
      }),
    );
    return current.filter((webhook): webhook is WebhookRecord => webhook !== undefined);
  };

  const pollAccount = async (accountId: string, listed: ActiveWebhook[]): Promise<void> => {
    const accountLogger = logger.child({ account: accountId });
    if (!timeLeft()) {
      skip(
        accountLogger,
        listed.flatMap(({ webhook }) => webhook.mailboxes.map((mailbox) => ({ webhook, mailbox }))),
      );
      return;
    }
    const webhooks = await readAgain(listed, accountLogger);
    if (webhooks.length === 0) return;
    const checks: Check[] = webhooks.flatMap((webhook) =>
      webhook.mailboxes.map((mailbox) => ({ webhook, mailbox })),
    );
    let account: Account | undefined;
    try {
      account = await options.credentials.getAccount(accountId);
    } catch (error) {
      result.failed += checks.length;
      accountLogger.error('webhook account could not be read', {
        webhooks: webhooks.map((webhook) => webhook.id),
        ...codeOf(error),
      });
      return;
    }
    if (account === undefined) {
      result.failed += checks.length;
      accountLogger.warn('webhook account is not stored', {
        code: 'account_not_found',
        webhooks: webhooks.map((webhook) => webhook.id),
      });
      return;
    }
    const opened = account;
    let next = 0;
    // Each worker is one store (one connection); the account's mailboxes are shared out among them.
    const worker = async (): Promise<void> => {
      let store: MailStore | undefined;
      try {
        while (next < checks.length) {
          if (!timeLeft()) {
            skip(accountLogger, checks.slice(next));
            next = checks.length;
            return;
          }
          const check = checks[next++] as Check;
          store ??= options.stores.open(opened, { signal: abort.signal, logger: accountLogger });
          try {
            const done = await checkMailbox({
              repository,
              store,
              webhook: check.webhook,
              mailbox: check.mailbox,
              logger: accountLogger,
              now,
            });
            result.checked += 1;
            result.queued += done.committed;
            if (done.committed > 0) queuedFor.add(check.webhook.id);
          } catch (error) {
            result.failed += 1;
            accountLogger.error('webhook mailbox check failed', {
              webhook: check.webhook.id,
              mailbox: check.mailbox,
              ...codeOf(error),
            });
          }
        }
      } finally {
        await store?.close().catch(() => {});
      }
    };
    const workers = Math.min(perAccount, checks.length);
    await Promise.all(Array.from({ length: workers }, worker));
  };

  const skip = (accountLogger: Logger, checks: Check[]) => {
    if (checks.length === 0) return;
    result.skipped += checks.length;
    accountLogger.warn('webhook mailbox checks skipped: the invocation is running out of time', {
      checks: checks.map(({ webhook, mailbox }) => ({ webhook: webhook.id, mailbox })),
    });
  };

  try {
    const accounts = [...byAccount.entries()];
    let nextAccount = 0;
    const accountWorker = async (): Promise<void> => {
      while (nextAccount < accounts.length) {
        const [accountId, webhooks] = accounts[nextAccount++] as [string, ActiveWebhook[]];
        await pollAccount(accountId, webhooks);
      }
    };
    await Promise.all(Array.from({ length: Math.min(accountConcurrency, accounts.length) }, accountWorker));
  } finally {
    clearTimeout(hardStop);
  }

  const at = now().getTime();
  const wake: WakeUp[] = distinctWakeUps(
    active
      .filter(
        ({ webhook, headDueAt }) =>
          !gone.has(webhook.id) &&
          (queuedFor.has(webhook.id) || (headDueAt !== null && Date.parse(headDueAt) <= at)),
      )
      .map(({ webhook }) => ({ account: webhook.account, webhookId: webhook.id })),
  );
  if (wake.length > 0) {
    try {
      await options.wakeUps.send(wake);
      result.wakeUps = wake.length;
    } catch (error) {
      // The events are in the store: the next run sends wake-ups for their due heads.
      result.wakeUpsFailed = wake.length;
      logger.error('webhook wake-ups could not be sent; the next run sends them', {
        webhooks: wake.map((each) => each.webhookId),
        ...codeOf(error),
      });
    }
  }
  logger.info('webhook poll finished', { segment, segments, ...result });
  return result;
}

/** A domain error's code, else the error's name and system code: never its message. */
function codeOf(error: unknown): Record<string, string> {
  if (isMailgateError(error)) return { code: error.code };
  return errorFields(error);
}
