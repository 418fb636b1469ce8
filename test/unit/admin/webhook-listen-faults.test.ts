import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookListen } from '../../../lib/admin/webhook-listen.js';

/**
 * `mailgate webhook listen` against a gateway double on loopback that
 * answers the register call in ways a real gateway does only under faults
 * (a malformed 201, no answer in time): the webhook the gateway may have
 * created is found and deleted, and only that one.
 */

const ID = 'wh_0123456789abcdef01234567';
const OTHER_ID = 'wh_fedcba9876543210fedcba98';

interface Stub {
  url: string;
  calls: string[];
  /** The receiver URL the listener registered. */
  registered: string | undefined;
  close(): Promise<void>;
}

let stub: Stub | undefined;

afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function startStub(onCreate: (response: ServerResponse) => void): Promise<Stub> {
  const sockets = new Set<Socket>();
  const state: Stub = { url: '', calls: [], registered: undefined, close: async () => undefined };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      state.calls.push(`${request.method} ${request.url}`);
      if (request.method === 'POST') {
        state.registered = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { url: string }).url;
        onCreate(response);
        return;
      }
      if (request.method === 'GET') {
        response.setHeader('Content-Type', 'application/json');
        response.end(
          JSON.stringify({
            webhooks: [
              { id: OTHER_ID, url: `${state.registered}/not-quite` },
              { id: ID, url: state.registered },
            ],
          }),
        );
        return;
      }
      response.statusCode = 204;
      response.end();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return state;
}

async function listen(gatewayUrl: string) {
  const out = { stdout: '', stderr: '' };
  const status = await webhookListen({
    gatewayUrl,
    token: 'tok-secret-value',
    account: 'alpha',
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    signal: new AbortController().signal,
    gatewayTimeoutMs: 300,
  });
  return { status, out };
}

const collection = '/v1/accounts/alpha/webhooks';

describe('webhook listen: a register call that went wrong leaves no webhook behind', () => {
  it('a 201 with an id but no usable secret: that webhook is deleted', async () => {
    stub = await startStub((response) => {
      response.statusCode = 201;
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ id: ID, secret: 42 }));
    });
    const { status, out } = await listen(stub.url);
    expect(status).toBe(1);
    expect(stub.calls).toEqual([`POST ${collection}`, `DELETE ${collection}/${ID}`]);
    expect(out.stderr).toContain('without a webhook id and secret');
    expect(out.stderr).not.toContain('tok-secret-value');
  });

  it('a 201 whose body is not JSON: the webhook with exactly the listener’s URL is found and deleted', async () => {
    stub = await startStub((response) => {
      response.statusCode = 201;
      response.end('{"id": "wh_01');
    });
    const { status } = await listen(stub.url);
    expect(status).toBe(1);
    expect(stub.calls).toEqual([`POST ${collection}`, `GET ${collection}`, `DELETE ${collection}/${ID}`]);
  });

  it('no answer in time: the webhook with exactly the listener’s URL is found and deleted', async () => {
    stub = await startStub(() => {
      // Never answered: the gateway may still have stored the webhook.
    });
    const { status, out } = await listen(stub.url);
    expect(status).toBe(1);
    expect(stub.calls).toEqual([`POST ${collection}`, `GET ${collection}`, `DELETE ${collection}/${ID}`]);
    expect(out.stderr).toContain('could not be reached');
    expect(out.stderr).toContain(`Deleted webhook ${ID}`);
  });
});
