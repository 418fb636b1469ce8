import { ImapFlow } from 'imapflow';

export interface SeedTarget {
  host: string;
  /** Implicit-TLS IMAP port. */
  port: number;
  caCert: string;
  user: string;
  password: string;
}

export interface SeedMessage {
  raw: Buffer | string;
  flags?: string[];
  date?: Date;
}

/**
 * Appends messages over one IMAP session (creating the mailbox when missing)
 * and returns their UIDs in order.
 */
export async function seedMessages(
  target: SeedTarget,
  mailbox: string,
  messages: SeedMessage[],
): Promise<number[]> {
  const client = new ImapFlow({
    host: target.host,
    port: target.port,
    secure: true,
    auth: { user: target.user, pass: target.password },
    tls: { ca: target.caCert },
    logger: false,
  });
  client.on('error', () => {});
  await client.connect();
  try {
    if (mailbox !== 'INBOX') {
      const existing = await client.list();
      if (!existing.some((m) => m.path === mailbox)) await client.mailboxCreate(mailbox);
    }
    const uids: number[] = [];
    for (const message of messages) {
      const result = await client.append(mailbox, message.raw, message.flags ?? [], message.date);
      if (!result || typeof result.uid !== 'number') throw new Error(`APPEND to ${mailbox} returned no UID`);
      uids.push(result.uid);
    }
    return uids;
  } finally {
    await client.logout().catch(() => client.close());
  }
}
