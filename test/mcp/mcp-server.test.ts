import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../lib/config/env.js';
import type { TokenGrant } from '../../lib/credentials/store.js';
import { createLogger } from '../../lib/log/create-logger.js';
import { ConfigurationError, ConnectionWaitTimeoutError, UpstreamAuthError } from '../../lib/mail/errors.js';
import type { MailStoreFactory } from '../../lib/mail/store.js';
import { createMcpServer } from '../../lib/mcp/create-server.js';
import { answerMcpFailure, handleMcpRequest } from '../../lib/mcp/http.js';
import { type McpDeps, McpSession } from '../../lib/mcp/session.js';
import {
  buildAccount,
  buildMailData,
  buildMessage,
  MemoryCredentialStore,
  MemoryStoreFactory,
} from '../support/memory-store.js';

/**
 * The MCP server in process, over the SDK's in-memory transport and over
 * /mcp's HTTP handler on a loopback port, against the memory store: what a
 * client is answered and what the log says, for failures a real mail server
 * cannot be made to give on demand.
 */

const WRITE = 'write-token-0123456789';
const READ = 'read-token-0123456789';
const GRANTS: Record<string, TokenGrant> = {
  [WRITE]: { tokenId: 'tw', accounts: '*', scope: 'write' },
  [READ]: { tokenId: 'tr', accounts: '*', scope: 'read' },
};

interface Kit {
  deps: McpDeps;
  stores: MemoryStoreFactory;
  credentials: MemoryCredentialStore;
  lines: string[];
  logs(): Array<Record<string, unknown>>;
}

function kit(options: { env?: Record<string, string>; stores?: MemoryStoreFactory } = {}): Kit {
  const stores = options.stores ?? new MemoryStoreFactory(buildMailData());
  const credentials = new MemoryCredentialStore(
    [buildAccount({ id: 'alpha' }), buildAccount({ id: 'pop', protocol: 'pop3', port: 995 })],
    { ...GRANTS },
  );
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
  const deps: McpDeps = { credentials, stores, config: loadConfig(options.env ?? {}), logger };
  return {
    deps,
    stores,
    credentials,
    lines,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const clients: Client[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((done) => server.close(done));
    }),
  );
});

async function connect(deps: McpDeps, token: string, factory = deps.stores): Promise<Client> {
  const grant = GRANTS[token]!;
  const session = new McpSession({ ...deps, stores: factory }, grant, async () => grant);
  const server = createMcpServer(session);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientSide);
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function structured(result: CallToolResult): { code?: string; detail?: string } {
  return (result.structuredContent ?? {}) as { code?: string; detail?: string };
}

async function listen(deps: McpDeps, onRequest?: (closed: Promise<void>) => void): Promise<string> {
  const server = createServer((request, response) => {
    onRequest?.(once(response, 'close').then(() => {}));
    handleMcpRequest(deps, request, response).catch((error: unknown) =>
      answerMcpFailure(deps, response, error),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function toolsCall(id: number, name: string, args: Record<string, unknown>) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

describe('internal errors are not shown to the client', () => {
  const secret = '/srv/secret-dir/accounts.json';

  it('a broken credential store answers /mcp 500 with the generic detail, and logs the real one', async () => {
    const { deps, credentials, lines } = kit();
    credentials.verifyToken = async () => {
      throw new ConfigurationError(`The accounts file ${secret} is not valid JSON.`);
    };
    const url = await listen(deps);
    const answer = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${WRITE}` },
      body: JSON.stringify(toolsCall(1, 'list_accounts', {})),
    });
    expect(answer.status).toBe(500);
    const problem = (await answer.json()) as { code: string; detail: string };
    expect(problem.code).toBe('internal_error');
    expect(problem.detail).not.toContain(secret);
    expect(lines.some((line) => line.includes(secret) && line.includes('"level":"error"'))).toBe(true);
  });

  it('a tool whose store fails with an internal error answers the generic detail, and logs the real one', async () => {
    const { deps, stores, lines } = kit();
    stores.behaviour.fail = new ConfigurationError(`The accounts file ${secret} is not valid JSON.`);
    const client = await connect(deps, READ);
    const result = await call(client, 'list_mailboxes', { account: 'alpha' });
    expect(result.isError).toBe(true);
    expect(structured(result).code).toBe('internal_error');
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(lines.some((line) => line.includes(secret) && line.includes('"level":"error"'))).toBe(true);
  });
});

describe('delete_message deletes for good only when asked', () => {
  it('refuses a delete without permanent on an account without Trash, and the message stays', async () => {
    const data = buildMailData();
    data.mailboxes = data.mailboxes.filter((mailbox) => mailbox.role !== 'trash');
    data.messages = data.messages.filter((message) => message.mailbox !== 'Trash');
    const { deps, stores } = kit({ stores: new MemoryStoreFactory(data) });
    const client = await connect(deps, WRITE);
    const result = await call(client, 'delete_message', { account: 'alpha', id: 'i-1' });
    expect(result.isError).toBe(true);
    expect(structured(result).code).toBe('unsupported_operation');
    expect(structured(result).detail).toContain('permanent: true');
    expect(stores.data.messages.map((message) => message.id)).toContain('i-1');
    // Asked for, it is deleted for good.
    const gone = await call(client, 'delete_message', { account: 'alpha', id: 'i-1', permanent: true });
    expect(gone.structuredContent).toEqual({ expunged: true });
    expect(stores.data.messages.map((message) => message.id)).not.toContain('i-1');
  });

  it('refuses a delete without permanent of a message already in the Trash', async () => {
    const { deps, stores } = kit();
    const client = await connect(deps, WRITE);
    const result = await call(client, 'delete_message', { account: 'alpha', id: 't-1' });
    expect(structured(result).code).toBe('unsupported_operation');
    expect(stores.data.messages.map((message) => message.id)).toContain('t-1');
  });

  it('refuses a delete without permanent on POP3 before connecting', async () => {
    const { deps, stores } = kit();
    const client = await connect(deps, WRITE);
    const result = await call(client, 'delete_message', { account: 'pop', id: 'i-1' });
    expect(structured(result).code).toBe('unsupported_operation');
    expect(stores.opened).toHaveLength(0);
  });
});

describe('every tool error has a stable code', () => {
  it('input-validation failures are invalid_request with {code, detail}', async () => {
    const { deps } = kit();
    const client = await connect(deps, WRITE);
    const cases: Array<[string, Record<string, unknown>]> = [
      ['get_message', { account: 'alpha', id: 'x'.repeat(201) }],
      ['get_message', { account: 'alpha' }],
      ['get_attachment_text', { account: 'alpha', id: 'i-1', attachmentId: 'a', maxBytes: 10 ** 9 }],
      ['list_mailboxes', {}],
      ['search_messages', { account: 'alpha', mailbox: 'IN\u0001BOX' }],
      ['search_messages', { account: 'alpha', mailbox: 'INBOX', limit: 201 }],
    ];
    for (const [name, args] of cases) {
      const result = await call(client, name, args);
      expect(result.isError, `${name} ${JSON.stringify(args).slice(0, 80)}`).toBe(true);
      expect(structured(result).code, `${name} ${JSON.stringify(args).slice(0, 80)}`).toBe('invalid_request');
      expect(structured(result).detail).toEqual(expect.any(String));
    }
  });

  it('a write tool called with a read token is forbidden, and an unknown tool invalid_request', async () => {
    const { deps, stores } = kit();
    const client = await connect(deps, READ);
    const refused = await call(client, 'set_flags', { account: 'alpha', id: 'i-1', flags: { add: ['x'] } });
    expect(structured(refused)).toMatchObject({ code: 'forbidden' });
    expect(structured(refused).detail).toContain('write token');
    expect(stores.opened).toHaveLength(0);
    expect(structured(await call(client, 'no_such_tool', {})).code).toBe('invalid_request');
  });
});

describe('tool input schemas', () => {
  it('carry the routes’ integer bounds and descriptions', async () => {
    const { deps } = kit();
    const client = await connect(deps, READ);
    const { tools } = await client.listTools();
    const properties = (name: string) =>
      tools.find((tool) => tool.name === name)?.inputSchema.properties as Record<
        string,
        { type?: string; minimum?: number; maximum?: number; description?: string }
      >;
    expect(properties('search_messages').limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 200 });
    expect(properties('search_messages').cursor?.description).toEqual(expect.any(String));
    expect(properties('search_messages').larger?.description).toBe('Size in bytes.');
    expect(properties('get_message').maxBodyBytes).toMatchObject({ type: 'integer', minimum: 0 });
    expect(properties('get_message').maxBodyBytes?.description).toEqual(expect.any(String));
    expect(properties('wait_for_change').timeout).toMatchObject({ type: 'integer', minimum: 1 });
  });
});

describe('a call that times out', () => {
  it('answers the more specific error the store raises as the deadline passes', async () => {
    const { deps, stores } = kit({ env: { MAILGATE_REQUEST_TIMEOUT_MS: '100' } });
    const throttled: MailStoreFactory = {
      capabilities: (account) => stores.capabilities(account),
      open(account, context) {
        const store = stores.open(account, context);
        // As the pool does: the wait for a free connection turns the abort into its own error.
        store.listMailboxes = () =>
          new Promise((_, reject) =>
            context.signal.addEventListener('abort', () => reject(new ConnectionWaitTimeoutError()), {
              once: true,
            }),
          );
        return store;
      },
    };
    const client = await connect(deps, READ, throttled);
    const result = await call(client, 'list_mailboxes', { account: 'alpha' });
    expect(structured(result).code).toBe('upstream_throttled');
  });
});

describe('upstream_auth_failed', () => {
  it("drops the account's cached secret, as the HTTP API does", async () => {
    const { deps, stores, credentials } = kit();
    stores.behaviour.fail = new UpstreamAuthError();
    const client = await connect(deps, READ);
    expect(structured(await call(client, 'list_mailboxes', { account: 'alpha' })).code).toBe(
      'upstream_auth_failed',
    );
    expect(credentials.invalidated).toEqual(['alpha']);
  });
});

describe('a call the client cancels', () => {
  it('is logged at debug, not as a failure', async () => {
    const { deps, stores, logs } = kit();
    stores.behaviour.hang = true;
    const client = await connect(deps, READ);
    const controller = new AbortController();
    const pending = client.callTool({ name: 'list_mailboxes', arguments: { account: 'alpha' } }, undefined, {
      signal: controller.signal,
    });
    pending.catch(() => {});
    await vi.waitFor(() => expect(stores.calls.map((c) => c.method)).toContain('listMailboxes'));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await vi.waitFor(() =>
      expect(logs().some((entry) => String(entry.message).startsWith('tool call'))).toBe(true),
    );
    const entries = logs().filter((entry) => String(entry.message).startsWith('tool call'));
    expect(entries.map((entry) => [entry.level, entry.message])).toEqual([['debug', 'tool call cancelled']]);
    expect(logs().filter((entry) => entry.level === 'error')).toEqual([]);
  });
});

describe('/mcp over HTTP', () => {
  it('runs nothing for a client that left while its token was checked', async () => {
    const { deps, credentials, stores, logs } = kit();
    let release: () => void = () => {};
    const gate = new Promise<void>((done) => {
      release = done;
    });
    let asked: () => void = () => {};
    const verifying = new Promise<void>((done) => {
      asked = done;
    });
    credentials.verifyToken = async (token) => {
      asked();
      await gate;
      return GRANTS[token];
    };
    let closed: Promise<void> | undefined;
    const url = new URL(await listen(deps, (c) => (closed = c)));
    const body = JSON.stringify(toolsCall(1, 'list_mailboxes', { account: 'alpha' }));
    const client = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        ...MCP_HEADERS,
        authorization: `Bearer ${READ}`,
        'content-length': Buffer.byteLength(body),
      },
    });
    client.on('error', () => {});
    client.end(body);
    await verifying;
    client.destroy();
    await closed;
    release();
    await vi.waitFor(() => expect(logs().some((entry) => entry.message === 'request')).toBe(true));
    // The access line is written once the request is done with.
    expect(logs().find((entry) => entry.message === 'request')).toMatchObject({ clientGone: true });
    expect(stores.opened).toHaveLength(0);
  });

  it('refuses a JSON-RPC batch with a 400 JSON-RPC error, running none of it', async () => {
    const { deps, stores } = kit();
    const url = await listen(deps);
    const answer = await fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${READ}` },
      body: JSON.stringify([
        toolsCall(1, 'list_mailboxes', { account: 'alpha' }),
        toolsCall(2, 'list_mailboxes', { account: 'alpha' }),
      ]),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
    expect(stores.opened).toHaveLength(0);
  });

  it('writes one access line per request, refusals too, with its id and never the token', async () => {
    const { deps, lines, logs } = kit();
    const url = await listen(deps);
    const statuses: number[] = [];
    const send = async (init: RequestInit) => {
      const answer = await fetch(url, init);
      await answer.arrayBuffer();
      statuses.push(answer.status);
      return answer;
    };
    const body = JSON.stringify(toolsCall(1, 'list_accounts', {}));
    await send({ method: 'GET', headers: { authorization: `Bearer ${READ}` } });
    await send({ method: 'POST', headers: MCP_HEADERS, body });
    await send({ method: 'POST', headers: { ...MCP_HEADERS, authorization: 'Bearer nope-nope-nope' }, body });
    const called = await send({
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${READ}`, 'x-request-id': 'mcp-test-id-1' },
      body,
    });
    expect(called.headers.get('x-request-id')).toBe('mcp-test-id-1');
    expect(statuses).toEqual([405, 401, 401, 200]);
    await vi.waitFor(() => expect(logs().filter((entry) => entry.message === 'request')).toHaveLength(4));
    const access = logs().filter((entry) => entry.message === 'request');
    expect(access.map((entry) => [entry.level, entry.method, entry.route, entry.status])).toEqual([
      ['info', 'GET', '/mcp', 405],
      ['info', 'POST', '/mcp', 401],
      ['info', 'POST', '/mcp', 401],
      ['info', 'POST', '/mcp', 200],
    ]);
    expect(
      access.every((entry) => typeof entry.requestId === 'string' && typeof entry.durationMs === 'number'),
    ).toBe(true);
    expect(access[3]!.requestId).toBe('mcp-test-id-1');
    expect(lines.join('\n')).not.toContain(READ);
  });
});

describe('get_message', () => {
  const long = `${'All work and no play. '.repeat(10_000)}The end.`;

  function withLongMessage(): MemoryStoreFactory {
    const data = buildMailData();
    data.messages.push(buildMessage({ id: 'long-1', uid: 9, subject: 'Long', text: long }));
    return new MemoryStoreFactory(data);
  }

  it('asks the store for 64 KiB of text by default, and for more when told', async () => {
    const { deps, stores } = kit({ stores: withLongMessage() });
    const client = await connect(deps, READ);
    await call(client, 'get_message', { account: 'alpha', id: 'long-1' });
    await call(client, 'get_message', { account: 'alpha', id: 'long-1', maxBodyBytes: 1_000_000 });
    const asked = stores.calls
      .filter((c) => c.method === 'getMessage')
      .map((c) => (c.args[2] as { maxBodyBytes: number | null }).maxBodyBytes);
    expect(asked).toEqual([64 * 1024, 1_000_000]);
  });

  it('does not repeat the whole text in the text part', async () => {
    const { deps } = kit({ stores: withLongMessage() });
    const client = await connect(deps, READ);
    const result = await call(client, 'get_message', {
      account: 'alpha',
      id: 'long-1',
      maxBodyBytes: 1_000_000,
    });
    const text = (result.structuredContent as { text: string }).text;
    expect(text.length).toBeGreaterThan(200_000);
    const rendered = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
    expect(rendered.length).toBeLessThan(5_000);
    expect(rendered).toContain('All work and no play.');
  });
});

describe('search_messages header filters', () => {
  it('refuses a lone surrogate in a header filter value, before connecting', async () => {
    const { deps, stores } = kit();
    const client = await connect(deps, READ);
    const result = await call(client, 'search_messages', {
      account: 'alpha',
      mailbox: 'INBOX',
      headers: { 'List-Id': 'dev\ud800' },
    });
    expect(structured(result).code).toBe('invalid_request');
    expect(stores.opened).toHaveLength(0);
  });
});
