import type { LogFields, Logger } from '../../mail/logger.js';

/** The logger shape imapflow calls (its `Logger` type): one object per line. */
export interface ImapFlowLogSink {
  debug(entry: unknown): void;
  info(entry: unknown): void;
  warn(entry: unknown): void;
  error(entry: unknown): void;
}

/** Fields imapflow may put on a line that must never reach our logs. */
const DROPPED_FIELDS = new Set(['user', 'pass', 'password', 'accessToken', 'data', 'response', 'payload']);

function describeError(value: unknown): LogFields | undefined {
  if (!(value instanceof Error)) return undefined;
  const err = value as Error & { code?: unknown; responseStatus?: unknown; serverResponseCode?: unknown };
  return {
    name: err.name,
    code: typeof err.code === 'string' ? err.code : undefined,
    status: typeof err.responseStatus === 'string' ? err.responseStatus : undefined,
    responseCode: typeof err.serverResponseCode === 'string' ? err.serverResponseCode : undefined,
  };
}

/**
 * Adapts our Logger port to imapflow's logger, everything at debug level:
 * imapflow also logs failures we turn into domain errors and log once, higher up.
 *
 * Client command lines (`src: 'c'`) are kept; imapflow masks LOGIN and
 * AUTHENTICATE arguments in them. Server lines (`src: 's'`) carry message
 * content (envelopes, bodies), so only their first three words survive
 * (`* 12 FETCH`, `A3 OK [READ-ONLY]`). Error objects shrink to name and codes.
 */
export function createImapLogSink(logger: Logger): ImapFlowLogSink {
  const log = (entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return;
    const record = entry as Record<string, unknown>;
    const fields: LogFields = {};
    let message = 'imap';
    for (const [key, value] of Object.entries(record)) {
      if (DROPPED_FIELDS.has(key)) continue;
      if (key === 'msg') {
        const line = typeof value === 'string' ? value : '';
        message = record.src === 's' ? line.split(' ').slice(0, 3).join(' ') : line;
      } else if (key === 'err') {
        fields.err = describeError(value);
      } else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
        fields[key] = value;
      }
    }
    logger.debug(message, fields);
  };
  return { debug: log, info: log, warn: log, error: log };
}
