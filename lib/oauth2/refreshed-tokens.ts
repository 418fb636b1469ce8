import type { OAuth2TokenWriter } from '../credentials/store.js';
import type { Logger } from '../mail/logger.js';

/** What a refresh produced, for writing back to the stored account. */
export interface RefreshedTokens {
  /** The refresh token the request used: the compare-and-set's expected value. */
  usedRefreshToken: string;
  accessToken: string;
  /** ISO 8601 */
  expiresAt: string;
  /** Present when the provider rotated the refresh token. */
  refreshToken?: string;
}

/** Where refreshed tokens are kept beyond this process. */
export interface RefreshedTokenPersistence {
  /** @returns false when the stored account no longer holds `usedRefreshToken` (re-consented meanwhile). */
  saveRefreshed(accountId: string, tokens: RefreshedTokens): Promise<boolean>;
}

/** The persistence port over a credential store's compare-and-set. */
export function writeBackTo(writer: OAuth2TokenWriter): RefreshedTokenPersistence {
  return {
    saveRefreshed: (accountId, { usedRefreshToken, ...next }) =>
      writer.updateOAuth2Tokens(accountId, usedRefreshToken, next),
  };
}

/**
 * After each refresh: writes the tokens back when there is a persistence
 * port, else warns (once per account) that a rotated refresh token lives in
 * this process only. Never throws and never waits past `timeoutMs`: a failed
 * write-back must not fail the request that refreshed.
 */
export class RefreshedTokenKeeper {
  readonly #persistence: RefreshedTokenPersistence | undefined;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  /** Accounts warned about, oldest first, at most `maxWarned`: one dropped may be warned about again. */
  readonly #warnedRotation = new Set<string>();
  readonly #maxWarned: number;

  constructor(options: {
    persistence: RefreshedTokenPersistence | undefined;
    logger: Logger;
    timeoutMs: number;
    /** Default 10,000. */
    maxWarned?: number;
  }) {
    this.#persistence = options.persistence;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
    this.#maxWarned = Math.max(1, options.maxWarned ?? 10_000);
  }

  /** The account is no longer held: a later rotation is warned about again. */
  forget(accountId: string): void {
    this.#warnedRotation.delete(accountId);
  }

  /** @returns whether the tokens were written back (false: they live in this process only). */
  async keep(accountId: string, tokens: RefreshedTokens): Promise<boolean> {
    if (this.#persistence === undefined) {
      if (tokens.refreshToken !== undefined && !this.#warnedRotation.has(accountId)) {
        this.#warnedRotation.add(accountId);
        if (this.#warnedRotation.size > this.#maxWarned) {
          const oldest = this.#warnedRotation.values().next().value;
          if (oldest !== undefined) this.#warnedRotation.delete(oldest);
        }
        this.#logger.warn(
          'oauth2 refresh token rotated but write-back is off; the stored one keeps working only as long as ' +
            'the provider honours it; turn on MAILGATE_OAUTH_WRITE_BACK or re-consent',
          { account: accountId },
        );
      }
      return false;
    }
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#timeoutMs);
    });
    try {
      const saved = await Promise.race([this.#persistence.saveRefreshed(accountId, tokens), gaveUp]);
      if (saved === 'timeout') {
        this.#logger.warn('oauth2 token write-back did not finish in time', { account: accountId });
        return false;
      }
      if (!saved) {
        this.#logger.warn(
          'oauth2 tokens not written back: the stored account holds another refresh token now (re-consented?)',
          { account: accountId },
        );
      }
      return saved;
    } catch (error) {
      this.#logger.warn('oauth2 token write-back failed', { account: accountId, ...describeFailure(error) });
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Name and code of a failed write: its message and cause may say more than the logs need. */
function describeFailure(error: unknown): Record<string, unknown> {
  const causeName = (error as { cause?: { name?: unknown } } | null)?.cause?.name;
  return {
    errorName: error instanceof Error ? error.name : typeof error,
    errorCode: (error as { code?: unknown } | null)?.code,
    ...(typeof causeName === 'string' ? { causeName } : {}),
  };
}
