import { createPop3Client, type Pop3Client, type Pop3ClientOptions } from '../../../lib/pop3/client.js';
import type { FakePop3Server } from '../../support/fake-pop3-server.js';

/** Options for a plaintext session against the fake server (loopback only). */
export function buildClientOptions(
  server: Pick<FakePop3Server, 'port'>,
  overrides: Partial<Pop3ClientOptions> = {},
): Pop3ClientOptions {
  return {
    host: '127.0.0.1',
    port: server.port,
    tls: 'none',
    allowPlaintext: true,
    user: 'alice',
    password: 'secret',
    commandTimeoutMs: 5_000,
    ...overrides,
  };
}

export async function connectClient(
  server: FakePop3Server,
  overrides: Partial<Pop3ClientOptions> = {},
): Promise<Pop3Client> {
  const client = createPop3Client(buildClientOptions(server, overrides));
  await client.connect();
  return client;
}

export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** A message with every byte pattern that breaks naive POP3 readers. */
export const TRICKY_MESSAGE = Buffer.concat([
  Buffer.from('Subject: caf\xe9\r\nX-Test: dots\r\n\r\n', 'latin1'),
  Buffer.from('..starts with two dots\r\n.\r\n.starts with one dot\r\n'),
  Buffer.from('quoted terminator lookalike: \r\n. \r\n.\r.\r\n'),
  Buffer.from([0xe9, 0x00, 0x01, 0x1f, 0x0d, 0x2e, 0x0a, 0x2e, 0x0d, 0x0a]),
  Buffer.from('last line\r\n'),
]);
