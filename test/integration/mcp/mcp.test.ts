import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCredentialStore } from '../../../lib/credentials/file-store.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

/**
 * The MCP server as a client sees it, with the SDK's own Client: over stdio
 * (`mailgate mcp`, the CLI entry run through tsx) and over streamable HTTP
 * (`/mcp` of the local server, `npm start`'s entry), both on the accounts
 * file of a real Dovecot user. The same checks run over both transports.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const READ_TOOLS = [
  'get_attachment_text',
  'get_message',
  'list_accounts',
  'list_mailboxes',
  'search_messages',
  'wait_for_change',
];
const WRITE_TOOLS = ['delete_message', 'move_message', 'set_flags'];

const plain = (subject: string, body: string) =>
  `From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: ${subject}\r\n` +
  `Message-ID: <${subject.replace(/\W/g, '')}@example.com>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n\r\n${body}\r\n`;

const withAttachments = (subject: string) =>
  [
    'From: Ann <ann@example.com>',
    'To: bob@example.com',
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W/g, '')}@example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'See the attached files.',
    '--b1',
    'Content-Type: text/csv; charset=iso-8859-1; name="prices.csv"',
    'Content-Disposition: attachment; filename="prices.csv"',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'item,price',
    'caf=E9,2.50',
    '--b1',
    'Content-Type: application/octet-stream; name="blob.bin"',
    'Content-Disposition: attachment; filename="blob.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    'AAECAwQFBgc=',
    '--b1--',
    '',
  ].join('\r\n');

const html = (subject: string) =>
  `From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n` +
  'Content-Type: text/html; charset=utf-8\r\n\r\n' +
  '<p>Hello <b>there</b></p><script>steal()</script><img src="https://tracker.example/p.gif">\r\n';

interface Setup {
  user: MailUser;
  dir: string;
  accountsFile: string;
  write: string;
  read: string;
  credentials: FileCredentialStore;
}

async function setUp(label: string): Promise<Setup> {
  const user = await createMailUser(label);
  await user.seed('INBOX', [
    { raw: plain('Flow one', 'The first body.') },
    { raw: plain('Flow two', 'The second body.') },
    { raw: plain('Bin me', 'To the trash.') },
    { raw: withAttachments('With files') },
    { raw: html('Html only') },
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'mailgate-mcp-'));
  const accountsFile = join(dir, 'accounts.json');
  const credentials = new FileCredentialStore({ path: accountsFile });
  await credentials.putAccount('m', user.account());
  // An account the tokens do not grant: no tool may reach or name it.
  await credentials.putAccount('other', user.account());
  const write = (await credentials.createToken({ accounts: ['m'], scope: 'write' })).token;
  const read = (await credentials.createToken({ accounts: ['m'], scope: 'read' })).token;
  return { user, dir, accountsFile, write, read, credentials };
}

/** A child environment without the parent's MAILGATE_* settings (a developer's own store must not leak in). */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('MAILGATE_')) env[key] = value;
  }
  return { ...env, MAILGATE_LOG_LEVEL: 'warn', ...extra };
}

/** `npm start`'s entry on a free port, serving the accounts file (no demo, no webhooks). */
async function startLocalServer(accountsFile: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/local-server.ts'], {
    cwd: ROOT,
    env: childEnv({
      HOST: '127.0.0.1',
      PORT: '0',
      MAILGATE_ACCOUNTS_FILE: accountsFile,
      MAILGATE_WEBHOOKS: 'false',
      MAILGATE_DEMO: 'false',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const match = /MCP \(streamable HTTP\): (http:\/\/\S+)\/mcp/.exec(output);
    if (match) return { url: match[1]!, child };
    if (child.exitCode !== null) throw new Error(`local server exited: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`local server did not start: ${output}`);
}

type Connect = (token: string) => Promise<Client>;

interface TransportKit {
  name: string;
  start(setup: Setup): Promise<{ connect: Connect; stop(): Promise<void>; url?: string }>;
}

const stdioKit: TransportKit = {
  name: 'stdio (mailgate mcp)',
  async start(setup) {
    const clients: Client[] = [];
    return {
      async connect(token) {
        const transport = new StdioClientTransport({
          command: process.execPath,
          args: ['--import', 'tsx', 'functions/cli.ts', 'mcp'],
          cwd: ROOT,
          env: childEnv({ MAILGATE_TOKEN: token, MAILGATE_ACCOUNTS_FILE: setup.accountsFile }),
          stderr: 'ignore',
        });
        const client = new Client({ name: 'mailgate-test', version: '1.0.0' });
        await client.connect(transport);
        clients.push(client);
        return client;
      },
      async stop() {
        await Promise.all(clients.map((client) => client.close()));
      },
    };
  },
};

const httpKit: TransportKit = {
  name: 'streamable HTTP (/mcp of the local server)',
  async start(setup) {
    const server = await startLocalServer(setup.accountsFile);
    const clients: Client[] = [];
    return {
      url: server.url,
      async connect(token) {
        const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
          requestInit: { headers: { Authorization: `Bearer ${token}` } },
        });
        const client = new Client({ name: 'mailgate-test', version: '1.0.0' });
        await client.connect(transport);
        clients.push(client);
        return client;
      },
      async stop() {
        await Promise.all(clients.map((client) => client.close()));
        server.child.kill('SIGTERM');
        if (server.child.exitCode === null) await once(server.child, 'exit');
      },
    };
  },
};

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** A successful call's JSON. */
async function ok<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await call(client, name, args);
  expect(result.isError ?? false, JSON.stringify(result.content)).toBe(false);
  return result.structuredContent as T;
}

/** A failed call's stable code (and that it failed as a tool error). */
async function failure(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await call(client, name, args);
  expect(result.isError).toBe(true);
  const code = (result.structuredContent as { code?: string } | undefined)?.code;
  const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  // Every tool error carries a stable code, which its text repeats.
  expect(code).toMatch(/^[a-z_]+$/);
  expect(text).toContain(`${code}:`);
  return code!;
}

interface Summary {
  id: string;
  subject?: string;
  seen?: boolean;
  flagged?: boolean;
}

describe.each([stdioKit, httpKit])('MCP over $name against Dovecot', (kit) => {
  let setup: Setup;
  let running: Awaited<ReturnType<TransportKit['start']>>;
  let writer: Client;
  let reader: Client;

  beforeAll(async () => {
    setup = await setUp(`mcp-${kit.name}`);
    running = await kit.start(setup);
    [writer, reader] = await Promise.all([running.connect(setup.write), running.connect(setup.read)]);
  });

  afterAll(async () => {
    await running?.stop();
    if (setup) await rm(setup.dir, { recursive: true, force: true });
  });

  it('lists the read tools to a read token and every tool to a write token', async () => {
    const readNames = (await reader.listTools()).tools.map((tool) => tool.name).sort();
    const writeNames = (await writer.listTools()).tools.map((tool) => tool.name).sort();
    expect(readNames).toEqual(READ_TOOLS);
    expect(writeNames).toEqual([...READ_TOOLS, ...WRITE_TOOLS].sort());
    // Input schemas are JSON-typed where the HTTP query is a string: a boolean filter, an integer page size.
    const search = (await reader.listTools()).tools.find((tool) => tool.name === 'search_messages');
    const properties = search?.inputSchema.properties as Record<string, { type?: string }>;
    expect(properties.seen?.type).toBe('boolean');
    expect(properties.limit?.type).toBe('integer');
    expect(properties.subject?.type).toBe('string');
    expect(search?.inputSchema.required).toEqual(expect.arrayContaining(['account', 'mailbox']));
  });

  it('refuses a write tool to a read token, and changes nothing', async () => {
    const [first] = (
      await ok<{ messages: Summary[] }>(reader, 'search_messages', {
        account: 'm',
        mailbox: 'INBOX',
        subject: 'Flow one',
      })
    ).messages;
    expect(
      await failure(reader, 'set_flags', { account: 'm', id: first!.id, flags: { add: ['\\Flagged'] } }),
    ).toBe('forbidden');
    // A read with a side effect needs write scope too, refused with the HTTP API's code.
    expect(await failure(reader, 'get_message', { account: 'm', id: first!.id, markSeen: true })).toBe(
      'forbidden',
    );
    const again = await ok<{ messages: Summary[] }>(reader, 'search_messages', {
      account: 'm',
      mailbox: 'INBOX',
      subject: 'Flow one',
      fields: 'flagged,seen',
    });
    expect(again.messages[0]).toMatchObject({ id: first!.id, flagged: false, seen: false });
  });

  it('shows a token only the accounts it grants', async () => {
    const { accounts } = await ok<{ accounts: Array<{ id: string; protocol: string }> }>(
      reader,
      'list_accounts',
      {},
    );
    expect(accounts.map((account) => account.id)).toEqual(['m']);
    expect(accounts[0]!.protocol).toBe('imap');
    expect(await failure(reader, 'list_mailboxes', { account: 'other' })).toBe('account_not_found');
    const { mailboxes } = await ok<{ mailboxes: Array<{ path: string; role?: string; total?: number }> }>(
      reader,
      'list_mailboxes',
      { account: 'm', counts: true },
    );
    expect(mailboxes.find((mailbox) => mailbox.path === 'INBOX')).toMatchObject({ role: 'inbox', total: 5 });
    expect(mailboxes.find((mailbox) => mailbox.role === 'archive')?.path).toBe('Archive');
  });

  it('search → get → flag → move, each step seen by the next; the old id is then message_not_found', async () => {
    const page = await ok<{ messages: Summary[]; nextCursor?: string }>(writer, 'search_messages', {
      account: 'm',
      mailbox: '~inbox',
      subject: 'Flow',
      limit: 1,
    });
    expect(page.messages).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await ok<{ messages: Summary[]; nextCursor?: string }>(writer, 'search_messages', {
      account: 'm',
      mailbox: '~inbox',
      subject: 'Flow',
      limit: 1,
      cursor: page.nextCursor,
    });
    expect(next.messages).toHaveLength(1);
    expect(next.nextCursor).toBeUndefined();
    const subjects = [page.messages[0]!.subject, next.messages[0]!.subject].sort();
    expect(subjects).toEqual(['Flow one', 'Flow two']);

    const target = [page.messages[0]!, next.messages[0]!].find((m) => m.subject === 'Flow two')!;
    const message = await ok<{ subject: string; text: string; from: { address: string }; html?: string }>(
      writer,
      'get_message',
      { account: 'm', id: target.id },
    );
    expect(message).toMatchObject({ subject: 'Flow two', from: { address: 'ann@example.com' } });
    expect(message.text).toContain('The second body.');
    expect(message.html).toBeUndefined();

    const flagged = await ok<{ id: string; flags: string[] }>(writer, 'set_flags', {
      account: 'm',
      id: target.id,
      flags: { add: ['\\Flagged', '$Important'] },
    });
    expect(flagged.flags).toEqual(expect.arrayContaining(['\\Flagged', '$Important']));

    const moved = await ok<{ id: string; mailbox: string }>(writer, 'move_message', {
      account: 'm',
      id: target.id,
      to: '~archive',
    });
    expect(moved.mailbox).toBe('Archive');
    expect(moved.id).not.toBe(target.id);

    const archived = await ok<{ messages: Summary[] }>(writer, 'search_messages', {
      account: 'm',
      mailbox: 'Archive',
      flagged: true,
    });
    expect(archived.messages.map((m) => [m.id, m.subject])).toEqual([[moved.id, 'Flow two']]);
    // Checked on the server itself.
    const onServer = await setup.user.doveadm([
      'fetch',
      '-u',
      setup.user.user,
      'flags hdr.subject',
      'mailbox',
      'Archive',
      'all',
    ]);
    expect(onServer).toContain('Flow two');
    expect(onServer).toContain('\\Flagged');

    // The error is an MCP tool error carrying the HTTP API's stable code.
    expect(await failure(writer, 'get_message', { account: 'm', id: target.id })).toBe('message_not_found');
    // A check beyond the input schema carries the HTTP API's 400 code.
    expect(
      await failure(writer, 'search_messages', { account: 'm', mailbox: 'INBOX', fields: 'subject,nope' }),
    ).toBe('invalid_request');
    // Arguments outside the input schema are refused before the tool runs, with the HTTP API's 400 code.
    expect(await failure(writer, 'set_flags', { account: 'm', id: moved.id, flags: { add: [] } })).toBe(
      'invalid_request',
    );
  });

  it('answers text by default, and with safeHtml the sanitised HTML as ?html=safe does', async () => {
    const [found] = (
      await ok<{ messages: Summary[] }>(reader, 'search_messages', {
        account: 'm',
        mailbox: 'INBOX',
        subject: 'Html only',
      })
    ).messages;
    const plainAnswer = await ok<{ text: string; textFromHtml?: boolean; html?: string }>(
      reader,
      'get_message',
      {
        account: 'm',
        id: found!.id,
      },
    );
    expect(plainAnswer.text).toContain('Hello there');
    expect(plainAnswer.text).not.toContain('steal');
    expect(plainAnswer.textFromHtml).toBe(true);
    expect(plainAnswer.html).toBeUndefined();
    const safe = await ok<{ html: string; imagesBlocked: number }>(reader, 'get_message', {
      account: 'm',
      id: found!.id,
      safeHtml: true,
    });
    expect(safe.html).toContain('<b>there</b>');
    expect(safe.html).not.toContain('script');
    expect(safe.html).not.toContain('tracker.example');
    expect(safe.imagesBlocked).toBe(1);
  });

  it('stops serving a token once it is revoked', async () => {
    const { token, record } = await setup.credentials.createToken({ accounts: ['m'], scope: 'read' });
    const client = await running.connect(token);
    expect((await ok<{ accounts: unknown[] }>(client, 'list_accounts', {})).accounts).toHaveLength(1);
    expect(await setup.credentials.revokeToken(record.tokenId)).toBe(true);
    if (kit === stdioKit) {
      // The stdio session looks its token up again before every call.
      expect(await failure(client, 'list_accounts', {})).toBe('unauthorized');
    } else {
      // Every HTTP request is authenticated anew: the transport's POST is refused 401.
      await expect(client.callTool({ name: 'list_accounts', arguments: {} })).rejects.toThrow(
        /401|nauthorized/,
      );
    }
  });

  it('reads a text attachment decoded, refuses a binary one with unsupported_media_type', async () => {
    const [found] = (
      await ok<{ messages: Summary[] }>(reader, 'search_messages', {
        account: 'm',
        mailbox: 'INBOX',
        subject: 'With files',
      })
    ).messages;
    const message = await ok<{
      text: string;
      attachments: Array<{ id: string; filename: string; contentType: string }>;
    }>(reader, 'get_message', { account: 'm', id: found!.id });
    expect(message.text).toContain('See the attached files.');
    const csv = message.attachments.find((a) => a.filename === 'prices.csv')!;
    const blob = message.attachments.find((a) => a.filename === 'blob.bin')!;
    const text = await ok<{ text: string; truncated: boolean }>(reader, 'get_attachment_text', {
      account: 'm',
      id: found!.id,
      attachmentId: csv.id,
    });
    // Quoted-printable and ISO-8859-1 decoded.
    expect(text).toMatchObject({ text: 'item,price\r\ncafé,2.50', truncated: false });
    const cut = await ok<{ text: string; truncated: boolean }>(reader, 'get_attachment_text', {
      account: 'm',
      id: found!.id,
      attachmentId: csv.id,
      maxBytes: 4,
    });
    expect(cut).toMatchObject({ text: 'item', truncated: true });
    expect(
      await failure(reader, 'get_attachment_text', { account: 'm', id: found!.id, attachmentId: blob.id }),
    ).toBe('unsupported_media_type');
  });

  it('deletes to the Trash, and waits for a change from a state', async () => {
    const [victim] = (
      await ok<{ messages: Summary[] }>(writer, 'search_messages', {
        account: 'm',
        mailbox: 'INBOX',
        subject: 'Bin me',
      })
    ).messages;
    const idle = await ok<{ changed: boolean; state: string }>(reader, 'wait_for_change', {
      account: 'm',
      mailbox: 'INBOX',
      timeout: 1,
    });
    expect(idle.changed).toBe(false);
    const deleted = await ok<{ expunged: boolean; mailbox: string }>(writer, 'delete_message', {
      account: 'm',
      id: victim!.id,
    });
    expect(deleted).toMatchObject({ expunged: false, mailbox: 'Trash' });
    // The change happened after `state`: the wait answers at once.
    const changed = await ok<{ changed: boolean; state: string }>(reader, 'wait_for_change', {
      account: 'm',
      mailbox: 'INBOX',
      since: idle.state,
      timeout: 20,
    });
    expect(changed.changed).toBe(true);
    expect(changed.state).not.toBe(idle.state);
  });

  it('deletes a message already in the Trash only with permanent: true', async () => {
    const [binned] = (
      await ok<{ messages: Summary[] }>(writer, 'search_messages', {
        account: 'm',
        mailbox: '~trash',
        subject: 'Bin me',
      })
    ).messages;
    // Without permanent it is refused, not expunged: the message is still in the Trash.
    expect(await failure(writer, 'delete_message', { account: 'm', id: binned!.id })).toBe(
      'unsupported_operation',
    );
    const trash = () =>
      setup.user.doveadm(['fetch', '-u', setup.user.user, 'hdr.subject', 'mailbox', 'Trash', 'all']);
    expect(await trash()).toContain('Bin me');
    const gone = await ok<{ expunged: boolean }>(writer, 'delete_message', {
      account: 'm',
      id: binned!.id,
      permanent: true,
    });
    expect(gone).toEqual({ expunged: true });
    expect(await trash()).not.toContain('Bin me');
  });

  if (kit === httpKit) {
    it('answers 401 problem+json without a token and with a bad one, 405 to GET', async () => {
      const url = `${running.url}/mcp`;
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const none = await fetch(url, { method: 'POST', headers, body });
      expect(none.status).toBe(401);
      expect(none.headers.get('content-type')).toBe('application/problem+json');
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="mailgate"');
      expect(await none.json()).toMatchObject({ status: 401, code: 'unauthorized' });
      const bad = await fetch(url, {
        method: 'POST',
        headers: { ...headers, authorization: 'Bearer nope' },
        body,
      });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(await bad.json()).toMatchObject({ code: 'unauthorized' });
      const basic = await fetch(url, {
        method: 'POST',
        headers: { ...headers, authorization: 'Basic YTpi' },
        body,
      });
      expect(basic.status).toBe(401);
      expect(await basic.json()).toMatchObject({
        code: 'unauthorized',
        detail: 'The bearer token is not valid.',
      });
      const get = await fetch(url, { headers: { authorization: `Bearer ${setup.read}` } });
      expect(get.status).toBe(405);
      expect(await get.json()).toMatchObject({ code: 'method_not_allowed' });
      // An admin token reads no mail, here as on /v1.
      const admin = (await setup.credentials.createToken({ accounts: '*', scope: 'admin' })).token;
      const refused = await fetch(url, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${admin}` },
        body,
      });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'forbidden' });
      // A body over the cap (1 MiB) is refused before it is parsed.
      const huge = JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'list_accounts', arguments: { pad: 'x'.repeat(1024 * 1024) } },
      });
      const tooLarge = await fetch(url, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${setup.read}` },
        body: huge,
      });
      expect(tooLarge.status).toBe(413);
      // The API beside it is untouched.
      const api = await fetch(`${running.url}/v1/accounts`, {
        headers: { authorization: `Bearer ${setup.read}` },
      });
      expect(api.status).toBe(200);
    });
  }
});

describe('mailgate mcp refuses to start without a usable token', () => {
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((done) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'functions/cli.ts', 'mcp'],
        { cwd: ROOT, env: childEnv(env) },
        (error, _stdout, stderr) => done({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mailgate-mcp-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 without MAILGATE_TOKEN and 1 with an unknown one, saying why on stderr', async () => {
    const accounts = join(dir, 'accounts.json');
    const missing = await run({ MAILGATE_ACCOUNTS_FILE: accounts });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('set MAILGATE_TOKEN');
    const unknown = await run({ MAILGATE_ACCOUNTS_FILE: accounts, MAILGATE_TOKEN: 'not-a-token' });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unauthorized: The bearer token is not valid.');
    expect(unknown.stderr).not.toContain('not-a-token');
  });
});
