import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../support/gateway.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';

/**
 * A mailbox name is a user value: it reaches the server as a quoted string
 * (or a literal), whatever it looks like, checked on the wire (Dovecot's
 * rawlog). imapflow sent a name of atom characters bare, and one starting
 * with a backslash too: `CREATE \Seen` is no astring.
 */

let gateway: Gateway;
let user: MailUser;
let token: string;

beforeAll(async () => {
  gateway = await startGateway();
  user = await createMailUser('mailbox quoting');
  await user.seed('INBOX', [
    { raw: 'From: a@example.com\r\nSubject: q\r\nMessage-ID: <q@example.com>\r\n\r\nq\r\n' },
  ]);
  await gateway.addAccount('q', user.account());
  token = await gateway.token(['q'], 'write');
});

afterAll(async () => {
  await gateway?.close();
});

const call = async (path: string, init: RequestInit = {}) => {
  const response = await gateway.get(`/v1/accounts/q${path}`, token, {
    ...init,
    headers: { 'content-type': 'application/json' },
  });
  const body = await response.text();
  return { status: response.status, body };
};

it('sends every mailbox name quoted: CREATE, SELECT, EXAMINE, STATUS, COPY, MOVE, APPEND, RENAME, DELETE', async () => {
  // Seeding wrote its own transcript (imapflow's, bare names and all).
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = await user.transcripts();
  const names = ['\\Seen', 'Plain', 'Plain2'];
  const segment = (name: string) => encodeURIComponent(name);
  expect(
    (await call('/mailboxes', { method: 'POST', body: JSON.stringify({ path: names[0] }) })).status,
  ).toBe(201);
  expect(
    (await call('/mailboxes', { method: 'POST', body: JSON.stringify({ path: names[1] }) })).status,
  ).toBe(201);
  const list = JSON.parse((await call('/mailboxes/INBOX/messages')).body) as {
    messages: Array<{ id: string }>;
  };
  const id = list.messages[0]!.id;
  expect(
    (await call(`/messages/${id}/copy`, { method: 'POST', body: JSON.stringify({ to: names[0] }) })).status,
  ).toBe(200);
  expect(
    (await call(`/messages/${id}/move`, { method: 'POST', body: JSON.stringify({ to: names[1] }) })).status,
  ).toBe(200);
  expect((await call(`/mailboxes/${segment(names[0]!)}/messages`)).status).toBe(200);
  expect((await call(`/mailboxes/${segment(names[0]!)}`)).status).toBe(200);
  const append = await gateway.get(`/v1/accounts/q/mailboxes/${segment(names[1]!)}/messages`, token, {
    method: 'POST',
    headers: { 'content-type': 'message/rfc822' },
    body: 'Subject: appended\r\n\r\nx\r\n',
  });
  expect(append.status).toBe(201);
  expect(
    (
      await call(`/mailboxes/${segment(names[1]!)}`, {
        method: 'PATCH',
        body: JSON.stringify({ path: names[2] }),
      })
    ).status,
  ).toBe(200);
  expect((await call(`/mailboxes/${segment(names[0]!)}`, { method: 'DELETE' })).status).toBe(204);

  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = await user.transcripts();
  const lines = (after.startsWith(before) ? after.slice(before.length) : after)
    .split('\n')
    .map((line) => line.replace(/^\d+\.\d+ /, '').trimEnd())
    // What the gateway sent (the transcripts hold the server's answers too, untagged `* STATUS` among them).
    .filter((line) => !line.startsWith('* '))
    .filter((line) =>
      /^\S+ (UID )?(CREATE|SELECT|EXAMINE|STATUS|COPY|MOVE|APPEND|RENAME|DELETE) /.test(line),
    );
  const verbs = new Set(lines.map((line) => line.split(' ')[line.split(' ')[1] === 'UID' ? 2 : 1]));
  expect([...verbs].sort()).toEqual([
    'APPEND',
    'COPY',
    'CREATE',
    'DELETE',
    'EXAMINE',
    'MOVE',
    'RENAME',
    'SELECT',
    'STATUS',
  ]);
  for (const line of lines) {
    for (const name of [...names, 'INBOX']) {
      // Bare: preceded by a space and followed by a space, a parenthesis or the end.
      const bare = new RegExp(` ${name.replace(/\\/g, '\\\\')}( |\\(|$)`);
      expect(line, line).not.toMatch(bare);
    }
  }
  expect(lines.some((line) => line.includes('CREATE "\\\\Seen"'))).toBe(true);
});
