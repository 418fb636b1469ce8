import { ImapFlow } from 'imapflow';
import compiler from 'imapflow/lib/handler/imap-compiler.js';
import parser from 'imapflow/lib/handler/imap-parser.js';
import { describe, expect, it } from 'vitest';
import { MAX_SORTED_UIDS, sortUids, threadUids } from '../../../lib/imap/imapflow/index.js';
import { buildSearchQuery } from '../../../lib/imap/read/search-query.js';
import { UpstreamUnavailableError } from '../../../lib/mail/errors.js';

/**
 * UID SORT and UID THREAD on the wire, on an ImapFlow that never connects:
 * the line sent (imapflow's SEARCH compiler for the search part, every value
 * quoted, no CHARSET in the search part), and the answers read with their caps.
 */

type ExecOptions = { untagged?: Record<string, (untagged: unknown) => unknown> };
type Sent = { command: string; attributes: unknown };

function recordingClient(answers: Record<string, unknown[]> = {}) {
  const client = new ImapFlow({ host: '127.0.0.1', port: 1, auth: { user: 'u', pass: 'p' }, logger: false });
  const state = client as unknown as Record<string, unknown> & {
    capabilities: Map<string, boolean>;
    exec: (command: string, attributes?: unknown, options?: ExecOptions) => Promise<unknown>;
  };
  const sent: Sent[] = [];
  state.capabilities = new Map(['IMAP4rev1', 'SORT', 'THREAD=REFS'].map((name) => [name, true]));
  state.exec = async (command, attributes, options) => {
    sent.push({ command, attributes });
    for (const [name, rows] of Object.entries(answers)) {
      for (const row of rows) await options?.untagged?.[name]?.(row);
    }
    return { response: { tag: 'T', command: 'OK', attributes: [] }, next: () => undefined };
  };
  return { client, sent };
}

function lineOf(sent: Sent): string {
  return Buffer.concat(
    compiler(
      { tag: 'T', command: sent.command, attributes: sent.attributes as never },
      { asArray: true },
    ) as Buffer[],
  )
    .toString('latin1')
    .slice(2);
}

describe('UID SORT', () => {
  it('sends the criteria, the charset and the filter as a quoted search part', async () => {
    const { client, sent } = recordingClient({ SORT: [await parser('* SORT 5 3 4')] });
    const search = buildSearchQuery({ subject: '\\Seen', from: 'a b', seen: false });
    const uids = await sortUids(client, ['DISPLAYFROM'], search);
    expect(uids).toEqual([5, 3, 4]);
    expect(sent.map(lineOf)).toEqual(['UID SORT (DISPLAYFROM) UTF-8 UNSEEN FROM "a b" SUBJECT "\\\\Seen"']);
  });

  it('sends ALL without a filter, and never CHARSET in the search part for non-ASCII values', async () => {
    const { client, sent } = recordingClient({ SORT: [await parser('* SORT')] });
    expect(await sortUids(client, ['DATE'], null)).toEqual([]);
    await sortUids(client, ['SUBJECT'], buildSearchQuery({ subject: 'Grüße' }));
    expect(lineOf(sent[0]!)).toBe('UID SORT (DATE) UTF-8 ALL');
    const second = lineOf(sent[1]!);
    expect(second.startsWith('UID SORT (SUBJECT) UTF-8 SUBJECT {')).toBe(true);
    expect(second).not.toMatch(/CHARSET/);
    expect(second).toContain(Buffer.from('Grüße').toString('latin1'));
  });

  it('refuses an answer with something that is not a UID, or more than MAX_SORTED_UIDS', async () => {
    for (const line of ['* SORT 5 abc', '* SORT 0', '* SORT 12345678901', '* SORT (1 2)']) {
      const { client } = recordingClient({ SORT: [await parser(line)] });
      await expect(sortUids(client, ['DATE'], null), line).rejects.toBeInstanceOf(UpstreamUnavailableError);
    }
    const many = Array.from({ length: MAX_SORTED_UIDS + 1 }, (_, i) => ({
      type: 'ATOM',
      value: String(i + 1),
    }));
    const { client } = recordingClient({ SORT: [{ tag: '*', command: 'SORT', attributes: many }] });
    await expect(sortUids(client, ['DATE'], null)).rejects.toBeInstanceOf(UpstreamUnavailableError);
    const exactly = many.slice(0, MAX_SORTED_UIDS);
    const fits = recordingClient({ SORT: [{ tag: '*', command: 'SORT', attributes: exactly }] });
    expect((await sortUids(fits.client, ['DATE'], null)).length).toBe(MAX_SORTED_UIDS);
  });
});

describe('UID THREAD', () => {
  it('reads each thread as its UIDs, dummy parents and branches flattened, in the answer order', async () => {
    const answer = await parser('* THREAD (2)(3 6 (4 23)(44 7 96))((11)(12 13))');
    const { client, sent } = recordingClient({ THREAD: [answer] });
    expect(await threadUids(client, 'REFS', null)).toEqual([[2], [3, 6, 4, 23, 44, 7, 96], [11, 12, 13]]);
    expect(sent.map(lineOf)).toEqual(['UID THREAD REFS UTF-8 ALL']);
  });

  it('reads an empty answer as no threads and refuses a malformed one', async () => {
    const empty = recordingClient({ THREAD: [await parser('* THREAD')] });
    expect(await threadUids(empty.client, 'REFERENCES', null)).toEqual([]);
    for (const line of ['* THREAD 3 4', '* THREAD (3 x)', '* THREAD ((0))']) {
      const { client } = recordingClient({ THREAD: [await parser(line)] });
      await expect(threadUids(client, 'REFS', null), line).rejects.toBeInstanceOf(UpstreamUnavailableError);
    }
  });
});
