import type { LogFields, Logger } from '../mail/logger.js';
import { redact } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface CreateLoggerOptions {
  /** Lines below this level are dropped; `silent` drops everything. */
  level: LogLevel;
  /** Fields every line carries (e.g. `service`). */
  fields?: LogFields;
  /** Where each finished JSON line goes; stdout by default (CloudWatch and terminals both read it). */
  write?: (line: string) => void;
  /** Clock, injectable for tests. */
  now?: () => Date;
}

/**
 * A JSON-lines implementation of the Logger port.
 *
 * Written here rather than on Powertools' logger because the port is four
 * methods and `child()`: the only feature we need beyond that is redaction at
 * any depth, which Powertools leaves to a custom replacer anyway, and this
 * keeps the HTTP layer free of Lambda-only dependencies when it runs on Node.
 *
 * Every line is `{time, level, message, ...fields}`; values under sensitive
 * keys (password, token, authorization, …) are replaced at any depth.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const threshold = LEVEL_RANK[options.level];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());

  const build = (bound: LogFields): Logger => {
    const emit = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
      if (LEVEL_RANK[level] < threshold) return;
      const entry: Record<string, unknown> = { time: now().toISOString(), level, message };
      const record = redact({ ...bound, ...fields }) as Record<string, unknown>;
      // Fields never overwrite the line's own time, level and message.
      for (const [key, value] of Object.entries(record)) if (!(key in entry)) entry[key] = value;
      let line: string;
      try {
        line = JSON.stringify(entry);
      } catch {
        line = JSON.stringify({
          time: now().toISOString(),
          level,
          message,
          logError: 'unserialisable fields',
        });
      }
      write(line);
    };
    return {
      debug: (message, fields) => emit('debug', message, fields),
      info: (message, fields) => emit('info', message, fields),
      warn: (message, fields) => emit('warn', message, fields),
      error: (message, fields) => emit('error', message, fields),
      child: (fields) => build({ ...bound, ...fields }),
    };
  };

  return build(options.fields ?? {});
}
