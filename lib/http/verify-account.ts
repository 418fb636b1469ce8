import type { Context } from 'hono';
import type { Account } from '../credentials/account.js';
import type { OAuth2TokenUpdate } from '../credentials/store.js';
import {
  ConfigurationError,
  MailgateError,
  UnsupportedOperationError,
  VerificationFailedError,
} from '../mail/errors.js';
import type { ProbeResult } from '../mail/types.js';
import type { AppEnv } from './app-env.js';
import { closedWithRequest, storeContext, useThenClose } from './store-session.js';

/** The server's words are quoted up to this many characters. */
const MAX_QUOTED = 200;
/** How far down a chain of `cause`s the server's answer is looked for. */
const MAX_CAUSE_DEPTH = 8;
/**
 * A run of token characters this long is not prose: an echoed SASL response,
 * an access token or a JWT segment. Dots are left out so that host names stay.
 */
const TOKEN_LIKE = /[A-Za-z0-9+/=_-]{32,}/g;
/** C0 and C1 controls, DEL, and the bidirectional overrides that could reorder the text a client shows. */
const UNSAFE_CHARACTERS = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]+/gu;

interface ServerAnswer {
  /** RFC 5530 (IMAP) or RFC 2449 (POP3) response code, e.g. `AUTHENTICATIONFAILED`, `AUTH`. */
  code: string | null;
  text: string;
}

/**
 * The server's refusal, as the protocol adapters leave it in the cause
 * chain of the domain error: imapflow puts `responseText` and
 * `serverResponseCode` on a NO/BAD to LOGIN or AUTHENTICATE; our POP3 client
 * puts `responseText` and `responseCode` on a -ERR (lib/pop3/pop3-error.ts).
 * Duck-typed, so lib/http needs neither adapter.
 */
export function findServerAnswer(error: unknown): ServerAnswer | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const fields = current as {
      responseText?: unknown;
      serverResponseCode?: unknown;
      responseCode?: unknown;
      cause?: unknown;
    };
    if (typeof fields.responseText === 'string' && fields.responseText.trim() !== '') {
      const code =
        typeof fields.serverResponseCode === 'string'
          ? fields.serverResponseCode
          : typeof fields.responseCode === 'string'
            ? fields.responseCode
            : null;
      return { code, text: fields.responseText };
    }
    current = fields.cause;
  }
  return undefined;
}

/** Every secret the document holds, for taking out of anything a server echoes. */
function secretsOf(account: Account): string[] {
  const { oauth2 } = account;
  return [account.password, oauth2?.clientSecret, oauth2?.refreshToken, oauth2?.accessToken].filter(
    (value): value is string => value !== undefined && value.length >= 4,
  );
}

/**
 * The server's answer made fit to quote to a client: control and
 * bidirectional characters out, whitespace collapsed, every secret of the
 * document and anything shaped like a token replaced, cut to 200 characters.
 */
export function quoteServerAnswer(answer: ServerAnswer, account: Account): string {
  let text = answer.text;
  for (const secret of secretsOf(account)) text = text.split(secret).join('[redacted]');
  text = text.replace(UNSAFE_CHARACTERS, ' ').replace(TOKEN_LIKE, '[redacted]').replace(/\s+/g, ' ').trim();
  const code = answer.code !== null && /^[A-Za-z0-9/._-]{1,40}$/.test(answer.code) ? `[${answer.code}] ` : '';
  const quoted = `${code}${text}`.replace(/"/g, "'");
  return quoted.length > MAX_QUOTED ? `${quoted.slice(0, MAX_QUOTED - 1)}…` : quoted;
}

/**
 * What a verifying login uses: an OAuth2 account that can refresh is tried
 * without the access token it was given, so that the login refreshes and
 * the refresh token, the client (its secret, its app) and the token
 * endpoint are tested too, not only a token that will expire within the
 * hour. An account with only an access token is tried with it.
 */
function verificationCandidate(account: Account): Account {
  const { oauth2 } = account;
  if (oauth2?.refreshToken === undefined) return account;
  const { accessToken: _accessToken, expiresAt: _expiresAt, ...refreshable } = oauth2;
  return { ...account, oauth2: refreshable };
}

/** A verified account: the server's answer to the probe, and the tokens the login left. */
export interface Verified {
  probe: ProbeResult;
  /**
   * The access token the login refreshed and, when the provider rotated it,
   * the new refresh token: what the document is stored with. Undefined when
   * the login refreshed nothing (a password, or only an access token).
   */
  tokens: OAuth2TokenUpdate | undefined;
}

const NO_VERIFIER = 'This server cannot verify accounts before storing them; store it without verify=true.';

/**
 * Logs in once with `account` (not stored yet) and asks for the server's
 * capabilities, through the verifier's login path (AppDeps.verifier): a
 * new connection and an OAuth2 token manager of its own, so that no kept
 * connection and no token the mail routes hold for the id answers for the
 * document, and nothing the verification refreshes replaces theirs. An
 * OAuth2 account with a refresh token is logged in with a freshly
 * refreshed token (see verificationCandidate). The store is closed in
 * every outcome, at once when the request's deadline passes.
 *
 * A refused login (`upstream_auth_failed`, including a refresh token the
 * provider refused) and a document the gateway cannot use
 * (ConfigurationError, e.g. an `oauth2.app` that is not stored) become 422
 * `verification_failed`, quoting the server's own answer when it gave one;
 * every other failure (502 unreachable, 503, 504) keeps its code.
 * @throws VerificationFailedError, UnsupportedOperationError (no verifier),
 *   or the domain error of the failure.
 */
export async function verifyAccount(c: Context<AppEnv>, account: Account): Promise<Verified> {
  const verifier = c.get('deps').verifier;
  if (verifier === undefined) throw new UnsupportedOperationError(NO_VERIFIER);
  const login = verifier.open(verificationCandidate(account), storeContext(c, account.id));
  try {
    const probe = await useThenClose(closedWithRequest(c, login.store), (store) => store.probe());
    return { probe, tokens: login.tokens() };
  } catch (error) {
    if (error instanceof ConfigurationError) {
      throw new VerificationFailedError(`The account cannot be used; nothing was stored: ${error.detail}`, {
        cause: error,
      });
    }
    if (!(error instanceof MailgateError) || error.code !== 'upstream_auth_failed') throw error;
    const answer = findServerAnswer(error);
    const detail =
      answer === undefined
        ? `The login was refused; nothing was stored: ${error.detail}`
        : `The mail server refused the login; nothing was stored. It answered: "${quoteServerAnswer(answer, account)}"`;
    throw new VerificationFailedError(detail, { cause: error });
  }
}
