import { describe, expect, test } from 'vitest';
import { createImapLogSink } from '../../../lib/imap/session/imap-logger.js';
import type { LogFields, Logger } from '../../../lib/mail/logger.js';

function buildRecordingLogger() {
  const lines: Array<{ level: string; message: string; fields?: LogFields }> = [];
  const record = (level: string) => (message: string, fields?: LogFields) =>
    lines.push({ level, message, fields });
  const logger: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    child: () => logger,
  };
  return { logger, lines };
}

describe('createImapLogSink', () => {
  test('everything goes to debug; command lines stay, server lines keep three words', () => {
    const { logger, lines } = buildRecordingLogger();
    const sink = createImapLogSink(logger);
    sink.info({ src: 'c', msg: '5 UID FETCH 7 (BODY.PEEK[1])', cid: 'x' });
    sink.error({ src: 's', msg: '* 7 FETCH (BODY[1] {12} Dear Alice, your salary…)', cid: 'x' });
    expect(lines).toEqual([
      { level: 'debug', message: '5 UID FETCH 7 (BODY.PEEK[1])', fields: { src: 'c', cid: 'x' } },
      { level: 'debug', message: '* 7 FETCH', fields: { src: 's', cid: 'x' } },
    ]);
  });

  test('drops user names, secrets and raw data; errors shrink to name and codes', () => {
    const { logger, lines } = buildRecordingLogger();
    const err = Object.assign(new Error('Authentication failed with pw hunter2'), {
      code: 'X',
      serverResponseCode: 'AUTHENTICATIONFAILED',
      response: 'A1 NO hunter2',
    });
    createImapLogSink(logger).warn({
      msg: 'User authenticated',
      user: 'alice',
      pass: 'hunter2',
      accessToken: 'tok',
      data: 'aHVudGVyMg==',
      err,
    });
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|alice|tok|aHVudGVyMg/);
    expect(lines[0]?.fields?.err).toEqual({
      name: 'Error',
      code: 'X',
      status: undefined,
      responseCode: 'AUTHENTICATIONFAILED',
    });
  });
});
