/**
 * The naive baseline: imapflow with its defaults, as an application would
 * write each operation (connect, open, the command, logout).
 */
import { ImapFlow } from 'imapflow';

export interface BaselineTarget {
  host: string;
  port: number;
  ca: string;
  user: string;
  password: string;
}

export type BaselineOperation = (client: ImapFlow) => Promise<unknown>;

/** Runs `operation` on a fresh default client; `done` fires when its result is in hand, before LOGOUT. */
export async function baselineRequest(
  target: BaselineTarget,
  operation: BaselineOperation,
  done: () => void,
): Promise<void> {
  const client = new ImapFlow({
    host: target.host,
    port: target.port,
    secure: true,
    tls: { ca: target.ca },
    auth: { user: target.user, pass: target.password },
    logger: false,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await operation(client);
    done();
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export const baselineOperations = {
  list: async (client: ImapFlow) => {
    const mailbox = await client.mailboxOpen('INBOX');
    const from = Math.max(1, mailbox.exists - 49);
    const rows = [];
    for await (const message of client.fetch(`${from}:*`, {
      uid: true,
      flags: true,
      envelope: true,
      size: true,
      internalDate: true,
    }))
      rows.push(message);
    return rows;
  },
  get: (uid: number) => async (client: ImapFlow) => {
    await client.mailboxOpen('INBOX');
    return client.fetchOne(
      String(uid),
      { uid: true, flags: true, envelope: true, bodyStructure: true, bodyParts: ['1'] },
      { uid: true },
    );
  },
  rawFirstByte: (uid: number) => async (client: ImapFlow) => {
    await client.mailboxOpen('INBOX');
    const { content } = await client.download(String(uid), undefined, { uid: true });
    if (!content) throw new Error(`message ${uid} has no content`);
    for await (const _chunk of content) break;
    content.destroy();
  },
  status: async (client: ImapFlow) => client.status('INBOX', { messages: true, unseen: true, uidNext: true }),
  flag: (uid: number) => async (client: ImapFlow) => {
    await client.mailboxOpen('INBOX');
    return client.messageFlagsAdd(String(uid), ['\\Flagged'], { uid: true });
  },
  move: (uid: number) => async (client: ImapFlow) => {
    await client.mailboxOpen('INBOX');
    return client.messageMove(String(uid), 'Archive', { uid: true });
  },
};
