import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeImapMessageId } from '../../../lib/mail/ids.js';
import { fakeServerAccount } from '../../support/fake-server-account.js';
import { type Gateway, startGateway } from '../../support/gateway.js';
import {
  HOSTILE_UID_VALIDITY,
  type HostileImapServer,
  startHostileImapServer,
} from '../../support/hostile/hostile-imap.js';

/**
 * A FETCH whose sections come back NIL (Dovecot's answer for a message that
 * another session expunged between the EXAMINE and the FETCH): imapflow
 * hands `false` for them, which a download fed to Buffer.from and failed
 * mid-body (the route fuzz caught it as a terminated response), and a
 * message answer would have been a 500. The message is gone: 404.
 */

let gateway: Gateway;
let server: HostileImapServer;
let token: string;
const id = encodeImapMessageId('INBOX', { uidValidity: String(HOSTILE_UID_VALIDITY), uid: 1 });

beforeAll(async () => {
  const bytes = Buffer.from('Subject: gone\r\n\r\nbody\r\n');
  server = await startHostileImapServer({
    kind: 'sizes',
    raw: bytes,
    declared: bytes.length,
    attachment: bytes,
    nil: true,
  });
  gateway = await startGateway();
  await gateway.addAccount('n', fakeServerAccount('imap', server.port));
  token = await gateway.token(['n'], 'read');
});

afterAll(async () => {
  await gateway?.close();
  await server?.close();
});

it.each(['/raw', '/attachments/2', '/attachments/1'])(
  'a download (%s) whose first window is NIL is 404',
  async (suffix) => {
    const response = await gateway.get(`/v1/accounts/n/messages/${id}${suffix}`, token);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'message_not_found' });
  },
);

it('a message whose text sections are NIL is 404, not 500', async () => {
  const response = await gateway.get(`/v1/accounts/n/messages/${id}`, token);
  expect(response.status).toBe(404);
  expect(await response.json()).toMatchObject({ code: 'message_not_found' });
});
