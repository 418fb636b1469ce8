import { describe, expect, test } from 'vitest';
import { reconnectDelay, Semaphore } from '../../../lib/webhooks/watcher/limits.js';
import {
  MAX_STATUS_LINE_BYTES,
  StatusReader,
  statusMailbox,
} from '../../../lib/webhooks/watcher/status-reader.js';

function reader() {
  const seen: string[] = [];
  let unknown = 0;
  const r = new StatusReader({ mailbox: (name) => seen.push(name), unknown: () => (unknown += 1) });
  return { r, seen, unknown: () => unknown };
}

describe('StatusReader', () => {
  test('names the mailbox of each untagged STATUS, however the bytes are cut', () => {
    const text =
      '* STATUS INBOX (MESSAGES 1 UIDNEXT 2)\r\n' +
      '* 3 EXISTS\r\n' +
      '* STATUS "Sent &AOQ-" (UNSEEN 0)\r\n' +
      'a1 OK NOOP done\r\n' +
      '* status "with \\"quote\\"" (HIGHESTMODSEQ 5)\r\n';
    const whole = reader();
    whole.r.push(Buffer.from(text));
    expect(whole.seen).toEqual(['INBOX', 'Sent &AOQ-', 'with "quote"']);
    const bytewise = reader();
    for (const byte of Buffer.from(text)) bytewise.r.push(Buffer.from([byte]));
    expect(bytewise.seen).toEqual(whole.seen);
    expect(whole.unknown()).toBe(0);
  });

  test('names the mailbox of a MailboxName LIST (deleted, created), with a quoted or NIL delimiter', () => {
    const { r, seen, unknown } = reader();
    r.push(
      Buffer.from(
        '* LIST (\\NonExistent) "/" Foo\r\n* LIST () "/" "Sp ace"\r\n* LIST (\\HasNoChildren) NIL INBOX\r\n',
      ),
    );
    expect(seen).toEqual(['Foo', 'Sp ace', 'INBOX']);
    expect(unknown()).toBe(0);
  });

  test('skips literals by count, and a STATUS naming its mailbox by literal is an unknown change', () => {
    const { r, seen, unknown } = reader();
    r.push(Buffer.from('* 1 FETCH (BODY[] {28}\r\n* STATUS Fake (MESSAGES 1)\r\n)\r\n'));
    r.push(Buffer.from('* STATUS {3}\r\nFoo (MESSAGES 1)\r\n* STATUS Real (MESSAGES 2)\r\n'));
    expect(seen).toEqual(['Real']);
    expect(unknown()).toBe(1);
  });

  test('an overlong line is dropped without being kept, as one unknown change', () => {
    const { r, seen, unknown } = reader();
    const long = Buffer.from(`* STATUS Huge (X-${'9'.repeat(MAX_STATUS_LINE_BYTES * 4)})\r\n`);
    for (let i = 0; i < long.length; i += 1000) r.push(long.subarray(i, i + 1000));
    r.push(Buffer.from('* STATUS After (MESSAGES 1)\r\n'));
    expect(seen).toEqual(['After']);
    expect(unknown()).toBe(1);
  });

  test('statusMailbox reads atoms and quoted strings and refuses the rest', () => {
    expect(statusMailbox('INBOX (MESSAGES 1)')).toBe('INBOX');
    expect(statusMailbox('"a b" (MESSAGES 1)')).toBe('a b');
    expect(statusMailbox('"unterminated (MESSAGES 1)')).toBeNull();
    expect(statusMailbox('"bad \\x escape" ()')).toBeNull();
    expect(statusMailbox('{3}')).toBeNull();
  });
});

describe('reconnect backoff and the check semaphore', () => {
  test('the backoff doubles from the base, is capped, and jitters in the upper half', () => {
    expect(reconnectDelay(1, () => 0, 1000, 60_000)).toBe(500);
    expect(reconnectDelay(1, () => 0.999999, 1000, 60_000)).toBe(1000);
    expect(reconnectDelay(3, () => 0, 1000, 60_000)).toBe(2000);
    expect(reconnectDelay(40, () => 0.999999, 1000, 60_000)).toBe(60_000);
    expect(reconnectDelay(40, () => 0, 1000, 60_000)).toBe(30_000);
  });

  test('the semaphore runs at most its size at once, the rest in order', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const gates: Array<() => void> = [];
    const jobs = Array.from({ length: 5 }, (_, i) =>
      semaphore.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise<void>((resolve) => gates.push(resolve));
        running -= 1;
      }),
    );
    while (order.length < 5) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      gates.shift()?.();
    }
    for (const gate of gates) gate();
    await Promise.all(jobs);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});
