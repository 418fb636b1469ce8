import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log/create-logger.js';
import { REDACTED, redact } from '../../lib/log/redact.js';
import { UpstreamAuthError } from '../../lib/mail/errors.js';
import { buildTestApp, TOKENS } from '../support/http-helpers.js';

function capture(level: Parameters<typeof createLogger>[0]['level'] = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(line), now: () => new Date(0) });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line)) };
}

describe('createLogger', () => {
  it('writes one JSON object per line with time, level and message first', () => {
    const { logger, lines } = capture();
    logger.info('hello', { count: 2 });
    expect(lines).toEqual(['{"time":"1970-01-01T00:00:00.000Z","level":"info","message":"hello","count":2}']);
  });

  it('drops lines below the configured level, and everything when silent', () => {
    const warn = capture('warn');
    warn.logger.debug('a');
    warn.logger.info('b');
    warn.logger.warn('c');
    warn.logger.error('d');
    expect(warn.parsed().map((entry) => entry.message)).toEqual(['c', 'd']);
    const silent = capture('silent');
    silent.logger.error('x');
    expect(silent.lines).toEqual([]);
  });

  it('carries child fields on every line, without letting fields overwrite the line itself', () => {
    const { logger, parsed } = capture();
    logger
      .child({ requestId: 'r1' })
      .child({ account: 'alpha' })
      .warn('w', { level: 'fake', message: 'fake' });
    expect(parsed()[0]).toMatchObject({ level: 'warn', message: 'w', requestId: 'r1', account: 'alpha' });
  });

  it('redacts sensitive keys at any depth, in any spelling', () => {
    const { logger, lines } = capture();
    logger.error('boom', {
      account: { user: 'alice', password: 'pw-1', oauth2: { accessToken: 'at-2' } },
      headers: { Authorization: 'Bearer tok-3', 'x-api-token': 'tok-4' },
      list: [{ client_secret: 'cs-5' }, { refreshToken: 'rt-6' }],
      deep: { a: { b: { c: { smtpPassword: 'pw-7' } } } },
      tokenId: 't-visible',
    });
    const line = lines[0]!;
    for (const secret of ['pw-1', 'at-2', 'tok-3', 'tok-4', 'cs-5', 'rt-6', 'pw-7'])
      expect(line).not.toContain(secret);
    expect(line).toContain('alice');
    expect(line).toContain('t-visible');
    expect(JSON.parse(line).account.password).toBe(REDACTED);
  });

  it('logs errors by name, message, code and cause, never the stack', () => {
    const error = new UpstreamAuthError(undefined, {
      cause: Object.assign(new Error('NO [AUTHENTICATIONFAILED]'), { password: 'x' }),
    });
    const out = redact({ error }) as { error: Record<string, unknown> };
    expect(out.error).toMatchObject({ name: 'UpstreamAuthError', code: 'upstream_auth_failed' });
    expect(JSON.stringify(out)).not.toContain('at ');
  });

  it('survives circular and bigint fields', () => {
    const { logger, parsed } = capture();
    const loop: Record<string, unknown> = { modseq: 12345678901234567890n };
    loop.self = loop;
    logger.info('odd', { loop });
    expect(parsed()[0].loop).toEqual({ modseq: '12345678901234567890', self: '[circular]' });
  });
});

describe('what the gateway logs', () => {
  it('never logs the bearer token or a stored password, even when things fail', async () => {
    const { request, stores, lines } = buildTestApp();
    await request('/v1/accounts/alpha/mailboxes?counts=true');
    await request('/v1/accounts/alpha/mailboxes/INBOX/messages?subject=x', { token: TOKENS.readAlpha });
    await request('/v1/accounts', { token: 'unknown-token-9e9e9e' });
    stores.behaviour.fail = new UpstreamAuthError(undefined, {
      cause: { user: 'alice', password: 'hunter2-stored-password' },
    });
    await request('/v1/accounts/alpha/mailboxes');
    stores.behaviour.fail = Object.assign(new Error('crash'), {
      account: { password: 'hunter2-stored-password' },
    });
    await request('/v1/accounts/alpha/mailboxes');

    expect(lines.length).toBeGreaterThan(5);
    const all = lines.join('\n');
    const secrets = [
      ...Object.values(TOKENS),
      'unknown-token-9e9e9e',
      'hunter2-stored-password',
      'beta-stored-password',
    ];
    for (const secret of secrets) expect(all).not.toContain(secret);
    // The failures above were logged, just without their secrets.
    expect(all).toContain('upstream_auth_failed');
    expect(all).toContain('"level":"error"');
  });
});
