import type { LookupAddress, LookupOptions } from 'node:dns';
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { eventPayload, type WebhookEvent } from './events.js';
import { type SignatureHeaders, signDelivery } from './signing.js';
import {
  parseWebhookUrl,
  type Resolver,
  resolveTarget,
  type WebhookTarget,
  WebhookUrlError,
} from './url-guard.js';

/**
 * One delivery attempt of one event: resolve the host once, check every
 * address, connect only to those (the socket's lookup is pinned to them, so
 * a DNS answer that changes between the check and the connection cannot
 * redirect it; the Host header and TLS server name stay the URL's name),
 * POST the signed body, never follow a redirect, read a bounded answer.
 * Never throws: the outcome says whether to retry.
 */

export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
export const USER_AGENT = 'mailgate-webhooks';

export interface DeliveryOptions {
  url: string;
  /** The subscription's `whsec_…` signing secret. */
  secret: string;
  /** The stored event: its id is the `webhook-id` on every attempt. */
  event: WebhookEvent;
  allowPrivate: boolean;
  /** The whole attempt, lookup included. */
  timeoutMs?: number;
  /** Read at most this much of the receiver's answer, then close. */
  maxResponseBytes?: number;
  resolve?: Resolver;
  signal?: AbortSignal;
  /** The attempt's time, for `webhook-timestamp`. */
  now?: () => Date;
  /** PEM roots to trust instead of the system's (a receiver on a private network with its own CA). */
  ca?: string;
}

export type DeliveryResult =
  | { ok: true; status: number }
  /** `error` is short and safe to store and show: it never holds the URL's path or query, nor the answer's body. */
  | { ok: false; status?: number; error: string; retryable: boolean };

/**
 * A `lookup` for net/tls that answers the checked addresses whatever it is
 * asked, honouring a family filter; it never consults DNS.
 */
export function pinnedLookup(addresses: readonly string[]) {
  const entries: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) }));
  return (
    _host: string,
    options: LookupOptions,
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
    const usable = entries.filter((entry) => wanted === 0 || entry.family === wanted);
    const first = usable[0];
    if (first === undefined) {
      const error: NodeJS.ErrnoException = new Error('no checked address of the requested family');
      error.code = 'ENOTFOUND';
      callback(error, '', 0);
    } else if (options.all) callback(null, usable);
    else callback(null, first.address, first.family);
  };
}

/**
 * Delivers `event` once.
 * @returns `ok` on a 2xx answer; otherwise why, and whether a later attempt
 *   may succeed (410 Gone, a URL that breaks the rules or a broken secret: no).
 */
export async function deliverEvent(options: DeliveryOptions): Promise<DeliveryResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new TimeoutReason(timeoutMs)), timeoutMs);
  const onAbort = () => deadline.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await attempt(options, deadline.signal, timeoutMs);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

class TimeoutReason {
  constructor(readonly timeoutMs: number) {}
}

async function attempt(
  options: DeliveryOptions,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<DeliveryResult> {
  let target: WebhookTarget;
  try {
    target = parseWebhookUrl(options.url, options);
  } catch (error) {
    // The URL itself breaks the rules (or the setting changed since it was accepted): retrying cannot help.
    return { ok: false, error: refusalText(error), retryable: false };
  }
  let headers: SignatureHeaders;
  const body = eventPayload(options.event);
  try {
    headers = signDelivery(options.secret, options.event.id, (options.now ?? (() => new Date()))(), body);
  } catch {
    return { ok: false, error: 'The stored signing secret is malformed.', retryable: false };
  }
  let addresses: string[];
  try {
    addresses = await resolveTarget(target, {
      allowPrivate: options.allowPrivate,
      resolve: options.resolve,
      signal,
      timeoutMs,
    });
  } catch (error) {
    // A name's addresses may change back; the subscription is disabled after a day of failures anyway.
    if (signal.aborted) return aborted(signal);
    return { ok: false, error: refusalText(error), retryable: true };
  }
  if (signal.aborted) return aborted(signal);
  return post(target, addresses, headers, body, options, signal);
}

function post(
  target: WebhookTarget,
  addresses: string[],
  signature: SignatureHeaders,
  body: string,
  options: DeliveryOptions,
  signal: AbortSignal,
): Promise<DeliveryResult> {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const https = target.url.protocol === 'https:';
  return new Promise<DeliveryResult>((settle) => {
    let request: ClientRequest | undefined;
    let response: IncomingMessage | undefined;
    let done = false;
    const finish = (result: DeliveryResult) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      response?.destroy();
      request?.destroy();
      settle(result);
    };
    // Once the status line is in, the receiver has decided: a body cut short by the cap or the clock does not change it.
    const onAbort = () => finish(response ? byStatus(response.statusCode ?? 0) : aborted(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    request = (https ? httpsRequest : httpRequest)({
      hostname: target.host,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      method: 'POST',
      agent: false,
      ...(target.isAddress ? {} : { lookup: pinnedLookup(addresses) }),
      ...(https && !target.isAddress ? { servername: target.host } : {}),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      headers: {
        ...signature,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': USER_AGENT,
        connection: 'close',
      },
    });
    request.on('response', (answer) => {
      response = answer;
      let read = 0;
      answer.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= maxResponseBytes) finish(byStatus(answer.statusCode ?? 0));
      });
      answer.on('end', () => finish(byStatus(answer.statusCode ?? 0)));
      // A body cut short (reset, aborted) still leaves the status the receiver chose.
      answer.on('error', () => finish(byStatus(answer.statusCode ?? 0)));
      answer.on('close', () => finish(byStatus(answer.statusCode ?? 0)));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (signal.aborted) return onAbort();
      finish(
        response
          ? byStatus(response.statusCode ?? 0)
          : { ok: false, error: connectionError(error), retryable: true },
      );
    });
    if (signal.aborted) onAbort();
    else request.end(body);
  });
}

function byStatus(status: number): DeliveryResult {
  if (status >= 200 && status < 300) return { ok: true, status };
  if (status === 410)
    return { ok: false, status, error: 'The receiver answered 410 Gone.', retryable: false };
  if (status >= 300 && status < 400) {
    return {
      ok: false,
      status,
      error: `The receiver answered ${status} (redirects are not followed).`,
      retryable: true,
    };
  }
  return { ok: false, status, error: `The receiver answered ${status}.`, retryable: true };
}

function aborted(signal: AbortSignal): DeliveryResult {
  const reason: unknown = signal.reason;
  if (reason instanceof TimeoutReason) {
    return { ok: false, error: `Timed out after ${reason.timeoutMs} ms.`, retryable: true };
  }
  return { ok: false, error: 'The delivery was cancelled.', retryable: true };
}

function refusalText(error: unknown): string {
  return error instanceof WebhookUrlError ? error.detail : 'The webhook URL was refused.';
}

const TLS_CODE = /^(?:ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** A short, fixed description: error messages can quote addresses and names, codes cannot. */
function connectionError(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') return 'The receiver refused the connection.';
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return 'The receiver closed the connection before answering.';
  if (code === 'ETIMEDOUT') return 'The connection to the receiver timed out.';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'The receiver is unreachable.';
  if (TLS_CODE.test(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `TLS failed (${code}).`;
  if (code.startsWith('HPE_')) return 'The receiver sent a malformed HTTP answer.';
  return code === ''
    ? 'The connection to the receiver failed.'
    : `The connection to the receiver failed (${code}).`;
}
