import type { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { fetchWithBinarySizes } from '../../../lib/imap/imapflow/index.js';

type Untagged = { attributes: unknown[] };
type Exec = (
  command: string,
  attributes: unknown[],
  options?: { untagged?: Record<string, (u: Untagged) => unknown> },
) => Promise<unknown>;

const atom = (value: string) => ({ type: 'ATOM', value });

/** A stand-in for imapflow: `exec` on the prototype answers one FETCH row of UID 7. */
function fakeClient(row: unknown[], sent: unknown[][]) {
  const proto = {
    async exec(this: unknown, command: string, attributes: unknown[], options?: Parameters<Exec>[2]) {
      sent.push([command, ...attributes]);
      await options?.untagged?.FETCH?.({ attributes: [atom('FETCH'), row] });
      return { next: () => undefined };
    },
  };
  return Object.create(proto) as { exec: Exec };
}

async function fetchBodies(client: { exec: Exec }) {
  await client.exec('UID FETCH', [{ type: 'SEQUENCE', value: '7' }, [atom('UID'), atom('BODY.PEEK')]], {
    untagged: { FETCH: () => undefined },
  });
  return 'fetched';
}

describe('fetchWithBinarySizes', () => {
  it('adds BINARY.SIZE items to the UID FETCH and reads them from the row, in either token shape', async () => {
    const sent: unknown[][] = [];
    const row = [
      atom('UID'),
      atom('7'),
      atom('BINARY.SIZE[2]'),
      atom('2055'),
      { ...atom('BINARY.SIZE'), section: [atom('3.1')] },
      atom('38'),
    ];
    const client = fakeClient(row, sent);
    const answer = await fetchWithBinarySizes(client as unknown as ImapFlow, 7, ['2', '3.1'], () =>
      fetchBodies(client),
    );
    expect(answer?.result).toBe('fetched');
    expect([...(answer?.sizes ?? [])]).toEqual([
      ['2', 2055],
      ['3.1', 38],
    ]);
    const items = sent[0]![2] as Array<{ value: string; section?: unknown[] }>;
    expect(items.map((item) => item.value)).toEqual(['UID', 'BODY.PEEK', 'BINARY.SIZE', 'BINARY.SIZE']);
    expect(items[2]!.section).toEqual([atom('2')]);
    expect(Object.hasOwn(client, 'exec')).toBe(false);
  });

  it('ignores a row of another message and values that are not numbers', async () => {
    const other = fakeClient([atom('UID'), atom('8'), atom('BINARY.SIZE[2]'), atom('5')], []);
    const answer = await fetchWithBinarySizes(other as unknown as ImapFlow, 7, ['2'], () =>
      fetchBodies(other),
    );
    expect(answer?.sizes.size).toBe(0);
    const odd = fakeClient([atom('UID'), atom('7'), atom('BINARY.SIZE[2]'), atom('NIL')], []);
    expect(
      (await fetchWithBinarySizes(odd as unknown as ImapFlow, 7, ['2'], () => fetchBodies(odd)))?.sizes.size,
    ).toBe(0);
  });

  it('goes through a wrapper already set on the client and puts it back', async () => {
    const sent: unknown[][] = [];
    const client = fakeClient([atom('UID'), atom('7'), atom('BINARY.SIZE[2]'), atom('9')], sent);
    const seen: string[] = [];
    const inherited = client.exec;
    const own: Exec = function (this: unknown, command, attributes, options) {
      seen.push(command);
      return inherited.call(this, command, attributes, options);
    };
    client.exec = own;
    const answer = await fetchWithBinarySizes(client as unknown as ImapFlow, 7, ['2'], () =>
      fetchBodies(client),
    );
    expect(answer?.sizes.get('2')).toBe(9);
    expect(seen).toEqual(['UID FETCH']);
    expect(client.exec).toBe(own);
  });

  it('changes no other command and restores exec when the fetch fails', async () => {
    const sent: unknown[][] = [];
    const client = fakeClient([], sent);
    const failing = fetchWithBinarySizes(client as unknown as ImapFlow, 7, ['2'], async () => {
      await client.exec('NOOP', []);
      throw Object.assign(new Error('refused'), { responseStatus: 'NO' });
    });
    await expect(failing).rejects.toMatchObject({ responseStatus: 'NO' });
    expect(sent).toEqual([['NOOP']]);
    expect(Object.hasOwn(client, 'exec')).toBe(false);
  });

  it('is null when imapflow has no exec to wrap', async () => {
    expect(await fetchWithBinarySizes({} as ImapFlow, 7, ['2'], async () => 'x')).toBeNull();
  });
});
