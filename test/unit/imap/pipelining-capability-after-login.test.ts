import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../../../lib/credentials/account.js';
import { skipListBeforeSelect } from '../../../lib/imap/imapflow/index.js';
import { openImapConnection } from '../../../lib/imap/session/open-connection.js';
import { silentLogger } from '../../../lib/mail/logger.js';

/**
 * A scripted server for what Dovecot never does: a LOGIN reply without
 * capabilities (so imapflow asks CAPABILITY after LOGIN, while our pipelined
 * EXAMINE is already answered) and a CAPABILITY answered with a delay.
 */
function startScriptedServer(
  capabilitiesInLogin: boolean,
): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((socket) => {
    socket.write('* OK [CAPABILITY IMAP4rev1 LITERAL+ UNSELECT] ready\r\n');
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      for (let end = buffered.indexOf('\r\n'); end !== -1; end = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const [tag, command = ''] = line.split(' ');
        seen.push(command.toUpperCase());
        if (command.toUpperCase() === 'LOGIN') {
          socket.write(
            `${tag} OK ${capabilitiesInLogin ? '[CAPABILITY IMAP4rev1 UNSELECT] ' : ''}Logged in\r\n`,
          );
        } else if (command.toUpperCase() === 'CAPABILITY') {
          setTimeout(() => socket.write(`* CAPABILITY IMAP4rev1 UNSELECT\r\n${tag} OK done\r\n`), 20);
        } else if (command.toUpperCase() === 'EXAMINE') {
          socket.write(
            `* 3 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 4] x\r\n${tag} OK [READ-ONLY] done\r\n`,
          );
        } else {
          socket.write(`${tag} OK done\r\n`);
        }
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0, seen });
    }),
  );
}

describe('LOGIN pipelined with EXAMINE against a server whose LOGIN reply lists no capabilities', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it.each([false, true])(
    'opens the mailbox with the pipelined answer (capabilities in LOGIN: %s)',
    async (inLogin) => {
      const scripted = await startScriptedServer(inLogin);
      server = scripted.server;
      const account = {
        id: 'a',
        protocol: 'imap',
        host: '127.0.0.1',
        port: scripted.port,
        tls: 'none',
        allowPlaintext: true,
        user: 'u',
        password: 'p',
      } as Account;
      const connection = openImapConnection(account, silentLogger, {
        plan: [{ kind: 'open', path: 'INBOX', mode: 'read' }],
      });
      const { client } = await connection.ready;
      try {
        skipListBeforeSelect(client, 'INBOX');
        const mailbox = await client.mailboxOpen('INBOX', { readOnly: true });
        expect(mailbox.exists).toBe(3);
        // One EXAMINE on the wire: imapflow's own was answered from the pipelined one.
        expect(scripted.seen.filter((command) => command === 'EXAMINE')).toHaveLength(1);
        expect(scripted.seen.includes('CAPABILITY')).toBe(!inLogin);
      } finally {
        client.close();
      }
    },
  );
});
