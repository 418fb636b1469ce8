import { type FetchQueryObject, ImapFlow, type SearchObject } from 'imapflow';
import compiler from 'imapflow/lib/handler/imap-compiler.js';
import imapCommands from 'imapflow/lib/imap-commands.js';
import { describe, expect, it } from 'vitest';
import { quoteSearchValues, uidFetchLine, uidSearchLine } from '../../../lib/imap/imapflow/index.js';
import { SUMMARY_QUERY } from '../../../lib/imap/read/message-summary.js';
import { buildSearchQuery } from '../../../lib/imap/read/search-query.js';

/**
 * The `UID FETCH` and `UID SEARCH` lines planned to travel with LOGIN and the EXAMINE must be
 * byte for byte what imapflow then writes, or the held answer is never
 * claimed (and the round trip is not saved). Checked against imapflow's own
 * FETCH command on a client that records instead of sending, for each
 * query a get sends and for the capabilities that add items.
 */

type Recorded = { command: string; attributes: unknown };

function selectedClient(capabilities: string[], enabled: string[] = []) {
  const client = new ImapFlow({ host: '127.0.0.1', port: 1, auth: { user: 'u', pass: 'p' }, logger: false });
  const state = client as unknown as Record<string, unknown> & { states: Record<string, number> };
  state.capabilities = new Map(capabilities.map((name) => [name, true]));
  state.enabled = new Set(enabled);
  state.state = state.states.SELECTED;
  state.mailbox = { path: 'INBOX', exists: 1 };
  const sent: Recorded[] = [];
  state.exec = async (command: string, attributes: unknown) => {
    sent.push({ command, attributes });
    return { response: { tag: 'T', command: 'OK', attributes: [] }, next: () => undefined };
  };
  return { client, sent };
}

async function imapflowLine(capabilities: string[], uid: number, query: FetchQueryObject): Promise<string> {
  const { client, sent } = selectedClient(capabilities);
  await imapCommands.get('FETCH')!(client, String(uid), query, { uid: true });
  const [first] = sent;
  if (!first) throw new Error('imapflow sent no FETCH');
  return compiler({ tag: 'T', command: first.command, attributes: first.attributes as never })
    .toString('latin1')
    .slice(2);
}

const QUERIES: Array<[string, FetchQueryObject]> = [
  ['a full get', { ...SUMMARY_QUERY, headers: true }],
  ['the flags alone', { uid: true, flags: true }],
  ['the UID alone', { uid: true }],
  ['some fields', { uid: true, envelope: true, headers: ['references'], threadId: true }],
  [
    'a body prefix',
    { uid: true, bodyStructure: true, bodyParts: [{ key: 'text', start: 0, maxLength: 2048 }] },
  ],
  ['text parts', { uid: true, bodyParts: ['1', { key: '2', start: 0, maxLength: 100 }] }],
];
const CAPABILITIES: Array<[string, string[]]> = [
  ['plain IMAP4rev1', ['IMAP4rev1']],
  ['OBJECTID', ['IMAP4rev1', 'OBJECTID']],
  ['Gmail', ['IMAP4rev1', 'X-GM-EXT-1']],
];

describe('uidFetchLine', () => {
  for (const [capsName, capabilities] of CAPABILITIES) {
    it.each(QUERIES)(`is imapflow's line for %s (${capsName})`, async (_name, query) => {
      const { client } = selectedClient(capabilities);
      const ours = uidFetchLine(client, 42, query);
      expect(ours).not.toBeNull();
      expect(ours).toBe(await imapflowLine(capabilities, 42, query));
    });
  }

  it('builds nothing once CONDSTORE is enabled (imapflow adds MODSEQ) or for items it does not build', () => {
    const { client } = selectedClient(['IMAP4rev1', 'CONDSTORE'], ['CONDSTORE']);
    expect(uidFetchLine(client, 1, { uid: true, flags: true })).toBeNull();
    const plain = selectedClient(['IMAP4rev1']).client;
    expect(uidFetchLine(plain, 1, { uid: true, source: true })).toBeNull();
    expect(uidFetchLine(plain, 1, { uid: true, labels: true })).toBeNull();
    expect(uidFetchLine(plain, 0, { uid: true })).toBeNull();
  });
});

async function imapflowSearchLine(
  capabilities: string[],
  query: SearchObject,
  returnOptions: Array<'ALL' | 'COUNT'>,
): Promise<string> {
  const { client, sent } = selectedClient(capabilities);
  // Every session quotes SEARCH values (lib/imap/session/open-connection.ts).
  quoteSearchValues(client);
  await imapCommands.get('SEARCH')!(client, query, { uid: true, returnOptions });
  const [first] = sent;
  if (!first) throw new Error('imapflow sent no SEARCH');
  return compiler({ tag: 'T', command: first.command, attributes: first.attributes as never })
    .toString('latin1')
    .slice(2);
}

const SEARCHES: Array<[string, SearchObject, Array<'ALL' | 'COUNT'>]> = [
  ['a later page', { uid: '1:41' }, ['COUNT']],
  ['a filter', buildSearchQuery({ subject: 'report', seen: false, from: 'a.example' })!, ['ALL', 'COUNT']],
  // Without WITHIN: SINCE on the UTC day (with it, YOUNGER counts seconds to the server's clock).
  [
    'a date filter',
    buildSearchQuery({ since: { at: new Date('2026-01-02T03:04:05Z') } } as never)!,
    ['ALL', 'COUNT'],
  ],
];

describe('uidSearchLine', () => {
  for (const [capsName, capabilities] of [
    ['ESEARCH', ['IMAP4rev1', 'ESEARCH']],
    ['no ESEARCH', ['IMAP4rev1']],
  ] as const) {
    it.each(SEARCHES)(`is imapflow's line for %s (${capsName})`, async (_name, query, returnOptions) => {
      const { client } = selectedClient([...capabilities]);
      const ours = uidSearchLine(client, query, returnOptions, new Set(capabilities));
      expect(ours).not.toBeNull();
      expect(ours).toBe(await imapflowSearchLine([...capabilities], query, returnOptions));
    });
  }

  it('builds nothing for a value that needs a literal', () => {
    const { client } = selectedClient(['IMAP4rev1', 'ESEARCH']);
    const query = buildSearchQuery({ subject: 'Grüße' })!;
    expect(uidSearchLine(client, query, ['ALL', 'COUNT'], new Set(['ESEARCH']))).toBeNull();
  });
});

describe('uidFetchLine before LOGIN', () => {
  it('builds with the capabilities the server announced after its last LOGIN, when given', async () => {
    // Before LOGIN the client knows only the greeting's capabilities; OBJECTID often comes after.
    const { client } = selectedClient(['IMAP4rev1']);
    const after = ['IMAP4rev1', 'OBJECTID'];
    const query = { ...SUMMARY_QUERY, headers: true };
    const ours = uidFetchLine(client, 7, query, new Set(after));
    expect(ours).toContain('EMAILID');
    expect(ours).toBe(await imapflowLine(after, 7, query));
  });
});
