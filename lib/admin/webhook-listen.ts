import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { readBodyCapped } from '../oauth2/capped-fetch.js';
import type { PromptOutput } from './read-secret.js';
import { UsageError } from './usage-error.js';

/**
 * `mailgate webhook listen`: a development receiver, like `stripe listen`.
 * It listens on 127.0.0.1, registers a webhook at a gateway pointing at
 * itself, prints each delivery whose Standard Webhooks signature verifies
 * (one line per event), refuses the others with 401 and a warning, and
 * deletes the webhook when stopped (SIGINT, SIGTERM).
 *
 * The gateway must allow webhooks to private addresses
 * (MAILGATE_WEBHOOK_ALLOW_PRIVATE=true): the receiver is on loopback, over
 * plain http. The token and the signing secret are never printed.
 */

/** A delivery body is read up to this; a longer one is refused (413) unread. */
export const MAX_DELIVERY_BYTES = 1024 * 1024;
/** The gateway's answers are read up to this. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Each call to the gateway (register, delete) gives up after this. */
const GATEWAY_TIMEOUT_MS = 30_000;
/** Printed text from a delivery (a subject, a mailbox) is cut to this many characters. */
const MAX_FIELD_CHARS = 200;

export interface WebhookListenOptions {
  /** The gateway's base URL, e.g. http://127.0.0.1:8025. */
  gatewayUrl: string;
  /** A write token for `account`. */
  token: string;
  account: string;
  /** One mailbox to watch (path or `~role`); the gateway's default (`~inbox`) without it. */
  mailbox?: string;
  /** Where to listen on 127.0.0.1; 0 or absent picks a free port. */
  port?: number;
  stdout: PromptOutput;
  stderr: PromptOutput;
  /** Stops listening: the webhook is deleted and the promise resolves. */
  signal: AbortSignal;
  /** How long each call to the gateway may take (default 30 s). */
  gatewayTimeoutMs?: number;
}

interface GatewayAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/**
 * Runs until `signal` aborts.
 * @returns the exit status: 0 stopped and the webhook deleted; 1 the gateway
 *   refused or failed (a message on stderr says why)
 */
export async function webhookListen(options: WebhookListenOptions): Promise<number> {
  const base = parseGatewayUrl(options.gatewayUrl);
  const { stdout, stderr, signal } = options;
  const collection = new URL(`v1/accounts/${encodeURIComponent(options.account)}/webhooks`, base);
  const path = `/mailgate-listen/${randomBytes(8).toString('hex')}`;

  let verifier: Webhook | undefined;
  const server = createServer((request, response) => {
    void receive(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const receive = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST' || request.url !== path) {
      request.resume();
      response.writeHead(request.url === path ? 405 : 404).end();
      return;
    }
    const body = await readCapped(request, MAX_DELIVERY_BYTES);
    if (body === undefined) {
      stderr.write(`warning: refused a delivery larger than ${MAX_DELIVERY_BYTES} bytes\n`);
      response.writeHead(413, { Connection: 'close' }).end();
      request.destroy();
      return;
    }
    if (!verifier) {
      // Before the webhook exists nothing can verify: the gateway retries.
      response.writeHead(503).end();
      return;
    }
    const headers = {
      'webhook-id': header(request, 'webhook-id'),
      'webhook-timestamp': header(request, 'webhook-timestamp'),
      'webhook-signature': header(request, 'webhook-signature'),
    };
    let payload: unknown;
    try {
      payload = verifier.verify(body, headers);
    } catch {
      stderr.write(
        `warning: refused a delivery whose signature does not verify (webhook-id ${clean(headers['webhook-id']) || '-'})\n`,
      );
      response.writeHead(401).end();
      return;
    }
    stdout.write(`${describeEvent(headers['webhook-id'], payload)}\n`);
    response.writeHead(204).end();
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    throw new Error(`Could not listen on 127.0.0.1:${options.port ?? 0} (${codeOf(error)}).`);
  });

  const port = (server.address() as AddressInfo).port;
  const receiverUrl = `http://127.0.0.1:${port}${path}`;
  const timeoutMs = options.gatewayTimeoutMs ?? GATEWAY_TIMEOUT_MS;
  try {
    if (signal.aborted) return 0;
    let created: GatewayAnswer;
    try {
      created = await callGateway(collection, 'POST', options.token, timeoutMs, {
        url: receiverUrl,
        ...(options.mailbox === undefined ? {} : { mailboxes: [options.mailbox] }),
      });
    } catch (error) {
      // The gateway may have stored the webhook without the answer arriving.
      stderr.write(`mailgate: ${error instanceof Error ? error.message : String(error)}\n`);
      await deleteLeftBehind(collection, receiverUrl, options.token, timeoutMs, stderr);
      return 1;
    }
    if (created.status !== 201) {
      stderr.write(`mailgate: the gateway refused the webhook: ${explainRefusal(created)}\n`);
      return 1;
    }
    const id = String(created.body?.id ?? '');
    const secret = created.body?.secret;
    if (!/^wh_[0-9a-f]{24}$/.test(id) || typeof secret !== 'string') {
      stderr.write('mailgate: the gateway answered 201 without a webhook id and secret.\n');
      if (/^wh_[0-9a-f]{24}$/.test(id)) await deleteWebhook(collection, id, options.token, timeoutMs, stderr);
      else await deleteLeftBehind(collection, receiverUrl, options.token, timeoutMs, stderr);
      return 1;
    }
    try {
      verifier = new Webhook(secret);
    } catch {
      stderr.write('mailgate: the gateway answered a signing secret that is not a Standard Webhooks key.\n');
      await deleteWebhook(collection, id, options.token, timeoutMs, stderr);
      return 1;
    }
    const mailboxes = Array.isArray(created.body?.mailboxes) ? created.body.mailboxes.join(', ') : '';
    stderr.write(
      `Listening on ${receiverUrl}\n` +
        `Webhook ${id} of account ${options.account} (${clean(mailboxes)}) delivers here. ` +
        `Send a test: POST ${new URL(`${id}/test`, `${collection.href}/`).pathname}. Stop with Ctrl-C.\n`,
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return (await deleteWebhook(collection, id, options.token, timeoutMs, stderr)) ? 0 : 1;
  } catch (error) {
    stderr.write(`mailgate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await closeServer(server, sockets);
  }
}

/**
 * `webhook listen`'s options from the command line, the token also from
 * MAILGATE_TOKEN (so it need not be in the shell's history).
 * @throws UsageError
 */
export function listenOptionsFrom(
  values: Partial<Record<string, string | boolean>>,
  env: Record<string, string | undefined>,
): Pick<WebhookListenOptions, 'gatewayUrl' | 'token' | 'account' | 'mailbox' | 'port'> {
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const gatewayUrl = text('url');
  if (gatewayUrl === undefined)
    throw new UsageError('--url is required (the gateway, e.g. http://127.0.0.1:8025)');
  parseGatewayUrl(gatewayUrl);
  const token = text('token') ?? env.MAILGATE_TOKEN;
  if (token === undefined || token.length === 0) {
    throw new UsageError('--token is required (a write token for the account), or MAILGATE_TOKEN');
  }
  const account = text('account');
  if (account === undefined) throw new UsageError('--account is required');
  const mailbox = text('mailbox');
  const portText = text('port');
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port > 65535)
      throw new UsageError('--port must be a port number (0–65535)');
  }
  return {
    gatewayUrl,
    token,
    account,
    ...(mailbox === undefined ? {} : { mailbox }),
    ...(port === undefined ? {} : { port }),
  };
}

/** @throws UsageError unless `text` is an absolute http(s) URL without query or fragment. */
function parseGatewayUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('--url must be the gateway’s URL, e.g. http://127.0.0.1:8025');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new UsageError('--url must be an http or https URL without a query or fragment');
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/** One line per event: the event's time, type, id, mailbox, then the subject, the ids or the flags. */
export function describeEvent(eventId: string, payload: unknown): string {
  const event = (payload ?? {}) as { type?: unknown; timestamp?: unknown; data?: unknown };
  const data = (event.data ?? {}) as Record<string, unknown>;
  const type = clean(String(event.type ?? '?'));
  const time = clean(String(event.timestamp ?? new Date().toISOString()));
  const mailbox = typeof data.mailbox === 'string' ? clean(data.mailbox) : '-';
  let detail = '';
  switch (event.type) {
    case 'message.created': {
      const message = (data.message ?? {}) as Record<string, unknown>;
      detail = `${clean(String(message.id ?? ''))} subject=${JSON.stringify(clean(String(message.subject ?? '')))}`;
      break;
    }
    case 'message.updated':
      detail = `${clean(String(data.id ?? ''))} flags=${Array.isArray(data.flags) ? clean(data.flags.join(',')) : ''}`;
      break;
    case 'message.deleted':
      detail = `ids=${Array.isArray(data.ids) ? clean(data.ids.join(',')) : ''}`;
      break;
    case 'mailbox.reset':
      detail = 'resynchronise the mailbox';
      break;
    case 'ping':
      detail = `webhook=${clean(String(data.webhook ?? ''))}`;
      break;
  }
  return `${time} ${type} ${clean(eventId)} ${mailbox}${detail ? ` ${detail}` : ''}`;
}

/** Text from a delivery as one safe terminal line: no control characters (escape sequences), bounded. */
function clean(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return flat.length > MAX_FIELD_CHARS ? `${flat.slice(0, MAX_FIELD_CHARS)}…` : flat;
}

function header(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** The body as text, or undefined when it is longer than `limit` bytes. */
async function readCapped(request: IncomingMessage, limit: number): Promise<string | undefined> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One call to the gateway; the answer read up to MAX_ANSWER_BYTES. */
async function callGateway(
  url: URL,
  method: string,
  token: string,
  timeoutMs: number,
  body?: unknown,
): Promise<GatewayAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new Error(`The gateway at ${url.origin} could not be reached (${codeOf(error)}).`);
  }
  const read =
    response.body === null ? Buffer.alloc(0) : await readBodyCapped(response.body, MAX_ANSWER_BYTES);
  const text = read?.toString('utf8');
  let parsed: Record<string, unknown> | undefined;
  try {
    const value: unknown = text === undefined || text === '' ? undefined : JSON.parse(text);
    parsed = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed };
}

/** Why the gateway refused, with what to do about the common cases. */
function explainRefusal(answer: GatewayAnswer): string {
  const code = typeof answer.body?.code === 'string' ? answer.body.code : undefined;
  const detail = typeof answer.body?.detail === 'string' ? clean(answer.body.detail) : undefined;
  const said = `${answer.status}${code ? ` ${code}` : ''}${detail ? `: ${detail}` : ''}`;
  if (code === 'invalid_request' && detail && /loopback|must use https/.test(detail)) {
    return (
      `${said}\nThe gateway does not allow webhooks to private addresses, and this receiver is on ` +
      '127.0.0.1 over http. Start the gateway with MAILGATE_WEBHOOK_ALLOW_PRIVATE=true (for development only).'
    );
  }
  if (code === 'unsupported_operation') {
    return `${said}\nThe gateway does not run webhooks (on the local server, MAILGATE_WEBHOOKS must not be false).`;
  }
  if (code === 'forbidden') return `${said}\nWebhooks need a write token for the account.`;
  if (code === 'unauthorized') return `${said}\nThe token is not valid at this gateway.`;
  return said;
}

/**
 * After a register call whose answer did not name the webhook (no answer in
 * time, a body that is not the webhook): the account's webhook whose URL is
 * exactly this listener's (a random path, so no other client's) is deleted
 * if the gateway stored it. A message says what to check when that fails.
 */
async function deleteLeftBehind(
  collection: URL,
  receiverUrl: string,
  token: string,
  timeoutMs: number,
  stderr: PromptOutput,
): Promise<void> {
  let answer: GatewayAnswer;
  try {
    answer = await callGateway(collection, 'GET', token, timeoutMs);
  } catch {
    answer = { status: 0, body: undefined };
  }
  const listed = answer.status === 200 ? answer.body?.webhooks : undefined;
  if (!Array.isArray(listed)) {
    stderr.write(
      `mailgate: could not check whether the gateway stored the webhook; look for one delivering to ${receiverUrl} ` +
        `(GET ${collection.pathname}) and delete it.\n`,
    );
    return;
  }
  for (const webhook of listed as Array<Record<string, unknown> | null>) {
    const id = webhook?.id;
    if (webhook?.url === receiverUrl && typeof id === 'string' && /^wh_[0-9a-f]{24}$/.test(id)) {
      await deleteWebhook(collection, id, token, timeoutMs, stderr);
    }
  }
}

/** Deletes the webhook; false (with a message) when that failed, so the user deletes it by hand. */
async function deleteWebhook(
  collection: URL,
  id: string,
  token: string,
  timeoutMs: number,
  stderr: PromptOutput,
): Promise<boolean> {
  const url = new URL(id, `${collection.href}/`);
  try {
    const answer = await callGateway(url, 'DELETE', token, timeoutMs);
    if (answer.status === 204 || answer.status === 404) {
      stderr.write(`Deleted webhook ${id}.\n`);
      return true;
    }
    stderr.write(
      `mailgate: could not delete webhook ${id} (${explainRefusal(answer)}); delete it with DELETE ${url.pathname}.\n`,
    );
  } catch (error) {
    stderr.write(
      `mailgate: could not delete webhook ${id} (${error instanceof Error ? error.message : String(error)}); delete it with DELETE ${url.pathname}.\n`,
    );
  }
  return false;
}

async function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  if (!server.listening) return;
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function codeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.name : 'unknown error';
}

/**
 * The CLI command: options from the command line, stopped by `signal` or,
 * without one, by SIGINT or SIGTERM.
 * @throws UsageError
 */
export async function webhookListenCommand(
  values: Partial<Record<string, string | boolean>>,
  io: {
    stdout: PromptOutput;
    stderr: PromptOutput;
    env: Record<string, string | undefined>;
    signal?: AbortSignal;
  },
): Promise<number> {
  const options = listenOptionsFrom(values, io.env);
  if (io.signal)
    return webhookListen({ ...options, stdout: io.stdout, stderr: io.stderr, signal: io.signal });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await webhookListen({
      ...options,
      stdout: io.stdout,
      stderr: io.stderr,
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
