import { lookup } from 'node:dns/promises';
import { InvalidRequestError } from '../mail/errors.js';
import { type AddressKind, classifyAddress } from './address-ranges.js';

/**
 * A webhook URL makes the gateway send a POST wherever a write token's
 * holder says (SSRF). The rules: https only, no userinfo or fragment, and
 * the host's every address public. Checked when the webhook is created and
 * again, on the addresses actually connected to, at every delivery (a name
 * may resolve elsewhere by then: DNS rebinding). `allowPrivate` (the local
 * demo) admits http and private addresses; cloud metadata addresses and
 * addresses that are never a receiver stay refused.
 *
 * No message here quotes the URL's path or query: receivers often put a
 * token there.
 */

export type RefusalReason =
  | 'malformed'
  | 'scheme'
  | 'userinfo'
  | 'fragment'
  | 'unresolvable'
  | 'not_an_address'
  | Exclude<AddressKind, 'public'>;

/** A refused webhook URL or address: `invalid_request`, with why as data for logs and tests. */
export class WebhookUrlError extends InvalidRequestError {
  readonly reason: RefusalReason;

  constructor(reason: RefusalReason, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'WebhookUrlError';
    this.reason = reason;
  }
}

export interface GuardOptions {
  /** MAILGATE_WEBHOOK_ALLOW_PRIVATE: plain http and loopback, private, link-local and reserved addresses. */
  allowPrivate: boolean;
}

/** Host name → its IP addresses (what `dns.lookup(host, {all: true})` gives). Injected by tests. */
export type Resolver = (host: string) => Promise<readonly string[]>;

/** The system resolver, as a connection would use it (hosts file included), every address in its order. */
export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/** A URL that passed the form rules, and its host as a connection needs it. */
export interface WebhookTarget {
  url: URL;
  /** The host name, or the IP literal without brackets. */
  host: string;
  port: number;
  /** Whether `host` is an IP literal (already checked) rather than a name to resolve. */
  isAddress: boolean;
}

const DESCRIPTION: Record<Exclude<AddressKind, 'public'>, string> = {
  metadata: 'a cloud metadata address, which webhooks may never call',
  unspecified: 'an unspecified ("this network") address, which is never a receiver',
  multicast: 'a multicast address, which is never a receiver',
  broadcast: 'the broadcast address, which is never a receiver',
  loopback: 'a loopback address',
  private: 'a private address',
  shared: 'a carrier-grade NAT (shared) address',
  'link-local': 'a link-local address',
  reserved: 'a reserved, non-public address',
};

/** Kinds `allowPrivate` admits; the others are refused in every setting. */
const PRIVATE_KINDS: ReadonlySet<AddressKind> = new Set([
  'loopback',
  'private',
  'shared',
  'link-local',
  'reserved',
]);

/**
 * Why `address` may not receive webhooks, or null when it may. Never throws.
 * `via` names the host a name resolved from, for the message.
 */
export function addressRefusal(address: string, options: GuardOptions, via?: string): WebhookUrlError | null {
  const found = classifyAddress(address);
  const subject =
    via === undefined
      ? `The webhook address ${address} is`
      : `The webhook host ${via} resolves to ${address},`;
  if (found === null) return new WebhookUrlError('not_an_address', `${subject} not an IP address.`);
  if (found.kind === 'public' || (options.allowPrivate && PRIVATE_KINDS.has(found.kind))) return null;
  const carried = found.embedded === undefined ? '' : ` (it carries ${found.embedded})`;
  const hint = PRIVATE_KINDS.has(found.kind) ? '; webhooks may only call public addresses' : '';
  return new WebhookUrlError(found.kind, `${subject} ${DESCRIPTION[found.kind]}${carried}${hint}.`);
}

/**
 * @throws WebhookUrlError when `address` may not receive webhooks (or is not an IP literal).
 */
export function checkAddress(address: string, options: GuardOptions): void {
  const refusal = addressRefusal(address, options);
  if (refusal) throw refusal;
}

/**
 * The form rules, and the address rules for an IP literal host; no I/O.
 * @throws WebhookUrlError
 */
export function parseWebhookUrl(text: string, options: GuardOptions): WebhookTarget {
  let url: URL;
  try {
    // The URL parser drops tabs and line breaks and trims spaces; the text stored must be the URL called.
    if (/[\u0000-\u0020\u007f]/.test(text)) throw new Error('blank or control character');
    url = new URL(text);
  } catch {
    throw new WebhookUrlError(
      'malformed',
      'The webhook URL is not an absolute URL without spaces or control characters.',
    );
  }
  const schemes = options.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    throw new WebhookUrlError(
      'scheme',
      options.allowPrivate ? 'The webhook URL must use https or http.' : 'The webhook URL must use https.',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new WebhookUrlError('userinfo', 'The webhook URL must not contain a user name or password.');
  }
  // `#` alone leaves url.hash empty; the text still had a fragment.
  if (url.hash !== '' || text.includes('#')) {
    throw new WebhookUrlError('fragment', 'The webhook URL must not contain a fragment (#…).');
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const isAddress = classifyAddress(host) !== null;
  if (isAddress) checkAddress(host, options);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { url, host, port, isAddress };
}

/**
 * The addresses a target's host stands for, each checked: the literal
 * itself, or every address the name resolves to (one refused address
 * refuses the name: which one a connection would take is not ours to pick).
 * @throws WebhookUrlError (`unresolvable` when the name has no address, the
 *   lookup fails or outlasts `timeoutMs`)
 */
export async function resolveTarget(
  target: WebhookTarget,
  options: GuardOptions & { resolve?: Resolver; timeoutMs?: number; signal?: AbortSignal },
): Promise<string[]> {
  if (target.isAddress) return [target.host];
  const resolve = options.resolve ?? systemResolver;
  let addresses: readonly string[];
  try {
    addresses = await withDeadline(resolve(target.host), options.timeoutMs ?? 5000, options.signal);
  } catch (error) {
    throw new WebhookUrlError('unresolvable', `The webhook host ${target.host} could not be resolved.`, {
      cause: error,
    });
  }
  if (addresses.length === 0) {
    throw new WebhookUrlError('unresolvable', `The webhook host ${target.host} has no address.`);
  }
  for (const address of addresses) {
    const refusal = addressRefusal(address, options, target.host);
    if (refusal) throw refusal;
  }
  return [...addresses];
}

/**
 * The check when a webhook is created or its URL changed: the form, then the
 * addresses (a name resolving to loopback is refused now, with a 4xx, not at
 * the first delivery).
 * @throws WebhookUrlError
 */
export async function checkWebhookUrl(
  text: string,
  options: GuardOptions & { resolve?: Resolver; timeoutMs?: number; signal?: AbortSignal },
): Promise<WebhookTarget & { addresses: string[] }> {
  const target = parseWebhookUrl(text, options);
  return { ...target, addresses: await resolveTarget(target, options) };
}

function withDeadline<T>(work: Promise<T>, timeoutMs: number, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      reject(signal?.reason ?? new Error('aborted'));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`lookup timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}
