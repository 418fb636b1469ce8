/**
 * Field redaction for log lines. Keys are compared case-insensitively with
 * separators removed, so `accessToken`, `access_token` and `Access-Token`
 * all match, at any depth of the fields object.
 */

const SENSITIVE_KEYS = new Set([
  'password',
  'passwd',
  'pass',
  'accesstoken',
  'refreshtoken',
  'token',
  'bearer',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'secret',
  'secretstring',
  'clientsecret',
  'apikey',
  'credentials',
  'oauth2',
]);

export const REDACTED = '[redacted]';

/** Deeper structures are cut rather than walked: a log line is not a dump. */
const MAX_DEPTH = 8;

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

/** Catches the variants nobody listed: `bearerToken`, `smtpPassword`, `clientSecret`. */
const SENSITIVE_SUFFIX = /(password|passwd|secret|token|authorization)$/;

export function isSensitiveKey(key: string): boolean {
  const normalised = normaliseKey(key);
  return SENSITIVE_KEYS.has(normalised) || SENSITIVE_SUFFIX.test(normalised);
}

/**
 * Returns a JSON-safe copy of `value` with every sensitive key's value
 * replaced. Errors become `{name, message, code}` (no stack: messages from
 * libraries are already enough to diagnose, and stacks bloat every line).
 */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  seen.add(value);
  try {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (value instanceof Error) return redactError(value, depth, seen);
    if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
    if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = isSensitiveKey(key) ? REDACTED : redact(item, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function redactError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (error.cause !== undefined) out.cause = redact(error.cause, depth + 1, seen);
  return out;
}
