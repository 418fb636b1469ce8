import type { FetchMessageObject, ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { fetchSummaryRows, toMessageSummary } from '../../../lib/imap/read/message-summary.js';

type Untagged = { attributes: unknown[] };
type Options = { untagged?: Record<string, (u: Untagged) => unknown> };

const atom = (value: string) => ({ type: 'ATOM', value });
const text = (value: string) => ({ type: 'STRING', value });
const literal = (value: string) => ({ type: 'LITERAL', value: Buffer.from(value) });

/**
 * A stand-in for imapflow: `exec` (on the prototype, where the FETCH hook
 * wraps it) answers the raw rows; `fetchAll` sends one FETCH through it and
 * answers the formatted rows, which carry no preview of their own.
 */
function fakeClient(capabilities: string[], rawRows: unknown[][], sent: unknown[][]) {
  const proto = {
    async exec(command: string, attributes: unknown[], options?: Options) {
      sent.push([command, ...attributes]);
      for (const row of rawRows) await options?.untagged?.FETCH?.({ attributes: [atom('FETCH'), row] });
      return { next: () => undefined };
    },
  };
  const client = Object.create(proto) as {
    capabilities: Map<string, boolean>;
    fetchAll: (range: string, query: unknown, options?: { uid?: boolean }) => Promise<FetchMessageObject[]>;
    exec: (command: string, attributes: unknown[], options?: Options) => Promise<unknown>;
  };
  client.capabilities = new Map(capabilities.map((name) => [name, true]));
  client.fetchAll = async function (range, _query, options) {
    await this.exec(
      options?.uid ? 'UID FETCH' : 'FETCH',
      [{ type: 'SEQUENCE', value: range }, [atom('UID')]],
      {
        untagged: { FETCH: () => undefined },
      },
    );
    return rawRows.map(
      (row) => ({ uid: Number((row[1] as { value: string }).value), seq: 1 }) as FetchMessageObject,
    );
  };
  return client;
}

describe('fetchSummaryRows', () => {
  it('adds PREVIEW to the one FETCH and reads it quoted, as a literal or NIL', async () => {
    const sent: unknown[][] = [];
    const client = fakeClient(
      ['PREVIEW', 'SNIPPET=FUZZY'],
      [
        [atom('UID'), atom('7'), atom('PREVIEW'), text('Hello   there\r\n')],
        [atom('UID'), atom('8'), atom('PREVIEW'), literal('Grüße aus Köln')],
        [atom('UID'), atom('9'), atom('PREVIEW'), null],
        [atom('UID'), atom('10'), atom('PREVIEW'), text('')],
      ],
      sent,
    );
    const rows = await fetchSummaryRows(client as unknown as ImapFlow, '1:4', { uid: false });
    expect(sent).toHaveLength(1);
    expect(sent[0]![0]).toBe('FETCH');
    expect((sent[0]![2] as Array<{ value: string }>).map((item) => item.value)).toEqual(['UID', 'PREVIEW']);
    expect(rows.map((row) => toMessageSummary(row, 'INBOX', '1').preview)).toEqual([
      'Hello there',
      'Grüße aus Köln',
      null,
      null,
    ]);
  });

  it('reads Dovecot\'s older SNIPPET (FUZZY "…") where PREVIEW is missing', async () => {
    const sent: unknown[][] = [];
    const client = fakeClient(
      ['SNIPPET=FUZZY'],
      [[atom('UID'), atom('3'), atom('SNIPPET'), [atom('FUZZY'), text('Old style')]]],
      sent,
    );
    const rows = await fetchSummaryRows(client as unknown as ImapFlow, '3', { uid: true });
    expect(sent[0]![0]).toBe('UID FETCH');
    const items = sent[0]![2] as unknown[];
    expect(items.slice(1)).toEqual([atom('SNIPPET'), [atom('FUZZY')]]);
    expect(toMessageSummary(rows[0]!, 'INBOX', '1').preview).toBe('Old style');
  });

  it('without either, asks for the first 2 KiB of the body in the same query and nothing more', async () => {
    const sent: unknown[][] = [];
    const queries: unknown[] = [];
    const client = fakeClient([], [[atom('UID'), atom('3')]], sent);
    const original = client.fetchAll;
    client.fetchAll = function (range, query, options) {
      queries.push(query);
      return original.call(this, range, query, options);
    };
    await fetchSummaryRows(client as unknown as ImapFlow, '3', { uid: true });
    expect(sent).toHaveLength(1);
    expect(queries[0]).toMatchObject({
      bodyParts: [{ key: 'TEXT', start: 0, maxLength: 2048 }],
      envelope: true,
    });
    expect(Object.hasOwn(client, 'exec')).toBe(false);
  });
});
