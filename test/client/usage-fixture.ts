/**
 * How a TypeScript user calls the client; test/client/types.test.ts compiles
 * it as is (it must be clean) and with one name misspelt at a time (each
 * must be a compile error naming it). Never run, only compiled.
 */
import { createMailgateClient, MailgateError, unwrap } from '../../lib/client/index.js';

export async function usage(token: string): Promise<string[]> {
  const client = createMailgateClient({ baseUrl: 'http://127.0.0.1:8787', token });
  const subjects: string[] = [];
  for await (const m of client.messages('me', '~inbox', { seen: false, limit: 50 })) {
    subjects.push(m.subject ?? '(no subject)');
  }
  const message = await client.getMessage('me', 'some-id', { body: 'text' });
  subjects.push(message.attachments.map((a) => a.filename ?? a.id).join(','));
  await client.updateFlags('me', message.id, { add: ['\\Seen'] });
  const raw = await client.downloadRaw('me', message.id);
  subjects.push(String(raw.contentLength ?? raw.contentType));
  const page = unwrap(
    await client.api.GET('/v1/accounts/{account}/mailboxes/{mailbox}/messages', {
      params: { path: { account: 'me', mailbox: 'INBOX' }, query: { flagged: 'true' } },
    }),
  );
  subjects.push(String(page.nextCursor));
  try {
    await client.moveMessage('me', message.id, '~archive');
  } catch (error) {
    if (error instanceof MailgateError && error.code === 'message_not_found') subjects.push(error.detail);
  }
  return subjects;
}
