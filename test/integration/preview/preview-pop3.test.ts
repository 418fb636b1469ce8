import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { silentLogger } from '../../../lib/mail/logger.js';
import type { MailboxRef, MessageSummary } from '../../../lib/mail/types.js';
import { Pop3MailStore } from '../../../lib/pop3/index.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { PREVIEW_CASES } from './preview-messages.js';

/**
 * POP3 summaries carry `preview` from the TOP answer the list already reads
 * (`TOP n 16`: the header and the first 16 body lines); no other command.
 */
const INBOX: MailboxRef = { kind: 'role', role: 'inbox' };

let user: MailUser;
let proxy: FaultProxy;

beforeAll(async () => {
  user = await createMailUser('preview-pop3');
  await user.seed(
    'INBOX',
    PREVIEW_CASES.map((c) => ({ raw: c.raw })),
  );
  proxy = await startFaultProxy({
    target: { host: user.server.host, port: user.server.ports.pop3 },
    protocol: 'pop3',
  });
});

afterAll(async () => {
  await proxy?.close();
});

function openStore(port: number): Pop3MailStore {
  const account = {
    id: 'pop',
    ...user.account({ protocol: 'pop3', port, tls: 'none', allowPlaintext: true }),
  } as Account;
  return new Pop3MailStore(account, { signal: new AbortController().signal, logger: silentLogger });
}

async function listed(): Promise<MessageSummary[]> {
  const store = openStore(proxy.port);
  try {
    const page = await store.listMessages(INBOX, { limit: 50, filter: {} });
    return [...page.messages].reverse();
  } finally {
    await store.close();
  }
}

test('each summary carries the preview of its text, from the TOP lines the list reads', async () => {
  proxy.reset();
  const summaries = await listed();
  expect(summaries).toHaveLength(PREVIEW_CASES.length);
  for (const [i, c] of PREVIEW_CASES.entries()) {
    const preview = summaries[i]!.preview;
    if (c.expected === 'best-effort') {
      if (preview !== null) expect(preview, c.name).not.toMatch(/[\r\n\t<>]|\s{2}/);
    } else {
      expect(preview, c.name).toBe(c.expected);
    }
  }
  const verbs = proxy.commands.map((c) => c.line.split(' ')[0]!.toUpperCase());
  expect(verbs.filter((verb) => verb === 'RETR')).toHaveLength(0);
  const tops = proxy.commands.filter((c) => /^TOP /i.test(c.line)).map((c) => c.line);
  expect(tops).toHaveLength(PREVIEW_CASES.length);
  for (const line of tops) expect(line).toMatch(/^TOP \d+ 16$/);
});

test('a preview cut by the line count is the start of the text, no delimiter in it', async () => {
  const long = Buffer.from(
    [
      'Subject: long',
      'Content-Type: multipart/alternative; boundary="long-b"',
      '',
      '--long-b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      ...Array.from({ length: 40 }, (_, i) => `Paragraph line ${i + 1}.`),
      '--long-b',
      'Content-Type: text/html',
      '',
      '<p>x</p>',
      '--long-b--',
      '',
    ].join('\r\n'),
  );
  const other = await createMailUser('preview-pop3-long');
  await other.seed('INBOX', [{ raw: long }]);
  const account = {
    id: 'pop',
    ...other.account({ protocol: 'pop3', port: other.server.ports.pop3s, tls: 'implicit' }),
  } as Account;
  const store = new Pop3MailStore(account, { signal: new AbortController().signal, logger: silentLogger });
  try {
    const [summary] = (await store.listMessages(INBOX, { limit: 50, filter: {} })).messages;
    // 16 body lines: the delimiter, the part header, a blank line and 13 lines of text.
    expect(summary!.preview).toBe(
      Array.from({ length: 13 }, (_, i) => `Paragraph line ${i + 1}.`)
        .join(' ')
        .slice(0, 200)
        .trimEnd(),
    );
  } finally {
    await store.close();
  }
});
