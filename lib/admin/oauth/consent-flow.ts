import { randomInt } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { ConsentError, consentFailure } from './consent-failure.js';
import { authorizationUrl, type ConsentPlan, requestOptions } from './consent-plan.js';
import { callbackIssuer } from './issuer.js';
import { startLoopbackReceiver } from './loopback-receiver.js';

/** The consent's dealings with the person and the clock, injected so tests can drive them. */
export interface ConsentIo {
  /** Something to open or type: `values` each alone on a line on stdout (for scripts), `help` on stderr. */
  show(help: string, ...values: string[]): void;
  /** Progress and advice (stderr). */
  note(text: string): void;
  /**
   * One line the user types or pastes.
   * @throws Error when no answer can come (input ended).
   */
  ask(question: string, signal: AbortSignal): Promise<string>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
}

/**
 * `loopback`: the browser on this machine returns to a one-shot server on
 * 127.0.0.1. `paste`: the browser is elsewhere; the user pastes the address
 * it failed to load. `device`: RFC 8628, a code entered on any device.
 */
export type ConsentMode = 'loopback' | 'paste' | 'device';

export interface ConsentOptions {
  mode: ConsentMode;
  loginHint?: string;
  timeoutMs: number;
  protocol: 'imap' | 'pop3';
}

/** What a completed consent yields; the tokens are for the store only, never for output. */
export interface ConsentResult {
  refreshToken: string;
  accessToken: string;
  /** ISO 8601, when the provider said how long the access token lives. */
  expiresAt?: string;
  /** The validated ID token's claims, when the provider sent one. */
  claims?: oauth.IDToken;
}

/** Without a browser: the device flow where the provider offers it for these scopes, else pasting. */
export function chooseMode(plan: ConsentPlan, noBrowser: boolean): ConsentMode {
  if (!noBrowser) return 'loopback';
  return plan.as.device_authorization_endpoint !== undefined ? 'device' : 'paste';
}

/**
 * Runs one consent to the end and checks that its tokens can serve a mailbox.
 * @throws ConsentError with a message for the terminal (refused consent,
 *   state or issuer mismatch, timeout, no refresh token, mail scope not granted).
 */
export async function runConsent(
  plan: ConsentPlan,
  options: ConsentOptions,
  io: ConsentIo,
): Promise<ConsentResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const tokens =
      options.mode === 'device'
        ? await deviceConsent(plan, io, signal)
        : await codeConsent(plan, options, io, signal);
    return checkTokens(plan, options.protocol, tokens, io.now());
  } catch (error) {
    throw consentFailure(error);
  }
}

async function codeConsent(
  plan: ConsentPlan,
  options: ConsentOptions,
  io: ConsentIo,
  signal: AbortSignal,
): Promise<oauth.TokenEndpointResponse> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const codeChallenge = await oauth.calculatePKCECodeChallenge(verifier);
  const attempt = (redirectUri: string) =>
    authorizationUrl(plan, { redirectUri, state, codeChallenge, loginHint: options.loginHint }).href;

  if (options.mode === 'paste') {
    // Nothing listens on this port: the browser elsewhere fails to load it, and its address bar holds the answer.
    const redirectUri = `http://127.0.0.1:${randomInt(49152, 65536)}/callback`;
    io.show(
      'Open this URL in a browser on any machine and sign in as the mailbox owner. The browser then goes to ' +
        'an address on 127.0.0.1 that fails to load (nothing listens there on that machine): copy that whole ' +
        'address from the address bar and paste it here.',
      attempt(redirectUri),
    );
    const pasted = await io.ask('Address the browser was sent to: ', signal);
    return exchange(plan, parseRedirect(pasted, redirectUri), state, verifier, redirectUri, signal);
  }

  const receiver = await startLoopbackReceiver({ state });
  try {
    io.show(
      'Open this URL in a browser on this machine and sign in as the mailbox owner:',
      attempt(receiver.redirectUri),
    );
    io.note(`Waiting for the browser to come back to ${receiver.redirectUri} ...`);
    const callback = await receiver.callback(signal);
    try {
      const tokens = await exchange(plan, callback, state, verifier, receiver.redirectUri, signal);
      await receiver.finish({ ok: true });
      return tokens;
    } catch (error) {
      await receiver.finish({ ok: false, error: `${consentFailure(error).message}.` });
      throw error;
    }
  } finally {
    await receiver.close();
  }
}

/** The pasted address must be the redirect this attempt asked for; its query is the authorization response. */
function parseRedirect(pasted: string, redirectUri: string): URL {
  let url: URL;
  try {
    url = new URL(pasted.trim());
  } catch {
    throw new ConsentError(
      'that is not an address: paste the whole address from the browser, starting with http://',
    );
  }
  const expected = new URL(redirectUri);
  if (url.origin !== expected.origin || url.pathname !== expected.pathname) {
    throw new ConsentError(`the pasted address does not start with ${redirectUri}`);
  }
  return url;
}

async function exchange(
  plan: ConsentPlan,
  callback: URL,
  state: string,
  verifier: string,
  redirectUri: string,
  signal: AbortSignal,
): Promise<oauth.TokenEndpointResponse> {
  const as = callbackIssuer(plan.as, plan.provider, plan.tenant, callback.searchParams.get('iss'));
  const params = oauth.validateAuthResponse(as, plan.client, callback, state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    plan.client,
    plan.clientAuth,
    params,
    redirectUri,
    verifier,
    requestOptions(as.token_endpoint, signal),
  );
  return oauth.processAuthorizationCodeResponse(as, plan.client, response);
}

/** RFC 8628 §3.4–3.5: poll at the given interval, 5 s slower after each `slow_down`. */
async function deviceConsent(
  plan: ConsentPlan,
  io: ConsentIo,
  signal: AbortSignal,
): Promise<oauth.TokenEndpointResponse> {
  const { as, client, clientAuth } = plan;
  const started = await oauth.deviceAuthorizationRequest(
    as,
    client,
    clientAuth,
    { scope: plan.scopes.join(' ') },
    requestOptions(as.device_authorization_endpoint, signal),
  );
  const device = await oauth.processDeviceAuthorizationResponse(as, client, started);
  io.show(
    'On any device with a browser, open this page, enter this code and sign in as the mailbox owner:',
    device.verification_uri,
    device.user_code,
  );
  const expires = io.now() + device.expires_in * 1000;
  let intervalMs = (device.interval ?? 5) * 1000;
  for (;;) {
    await io.sleep(intervalMs, signal);
    if (io.now() >= expires) throw new ConsentError('the device code expired before the sign-in completed');
    const polled = await oauth.deviceCodeGrantRequest(
      as,
      client,
      clientAuth,
      device.device_code,
      requestOptions(as.token_endpoint, signal),
    );
    try {
      return await oauth.processDeviceCodeResponse(as, client, polled);
    } catch (error) {
      if (!(error instanceof oauth.ResponseBodyError)) throw error;
      if (error.error === 'slow_down') intervalMs += 5000;
      else if (error.error !== 'authorization_pending') throw error;
    }
  }
}

const NO_REFRESH_TOKEN: Record<ConsentPlan['provider'], string> = {
  google: 'Google sends one only with access_type=offline and prompt=consent, which this consent asked for',
  microsoft: 'Microsoft sends one only when the offline_access scope is granted',
  custom: 'many providers send one only for a scope such as offline_access (see --scope)',
};

function checkTokens(
  plan: ConsentPlan,
  protocol: 'imap' | 'pop3',
  tokens: oauth.TokenEndpointResponse,
  now: number,
): ConsentResult {
  if (tokens.refresh_token === undefined) {
    throw new ConsentError(
      `the provider returned no refresh token, so the gateway could not renew access when the access ` +
        `token expires; nothing was stored. ${NO_REFRESH_TOKEN[plan.provider]}`,
    );
  }
  const needed = plan.mailScopes[protocol];
  if (needed !== undefined && tokens.scope !== undefined && !scopeGranted(tokens.scope, needed)) {
    throw new ConsentError(
      `the consent did not grant ${needed}, which ${protocol.toUpperCase()} access needs: sign in again ` +
        'and allow access to mail; nothing was stored',
    );
  }
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  return {
    refreshToken: tokens.refresh_token,
    accessToken: tokens.access_token,
    ...(typeof tokens.expires_in === 'number'
      ? { expiresAt: new Date(now + tokens.expires_in * 1000).toISOString() }
      : {}),
    ...(claims !== undefined ? { claims } : {}),
  };
}

/** A resource's scope may come back without its resource prefix (`IMAP.AccessAsUser.All`). */
function scopeGranted(granted: string, needed: string): boolean {
  const short = needed.slice(needed.lastIndexOf('/') + 1);
  return granted.split(' ').some((scope) => scope === needed || (short !== '' && scope === short));
}

/** The mailbox address in the ID token, from the provider's claim. */
export function userFromClaims(plan: ConsentPlan, claims: oauth.IDToken | undefined): string | undefined {
  for (const name of plan.userClaims) {
    const value = claims?.[name];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}
