import { describe, expect, it } from 'vitest';
import { ResponseScanner } from '../../../lib/imap/wire/response-scanner.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Every response the scanner completes when `input` arrives in pieces of `size` bytes. */
function scan(input: Buffer, size: number, scanner = new ResponseScanner()): string[] {
  const out: string[] = [];
  for (let at = 0; at < input.length; at += size) {
    for (const response of scanner.push(input.subarray(at, at + size))) out.push(response.toString('latin1'));
  }
  return out;
}

describe('ResponseScanner', () => {
  const wire = bytes(
    '* OK [CAPABILITY IMAP4rev1] ready\r\n' +
      '* 1 FETCH (BODY[] {12}\r\nline\r\n{3}\r\nxy FLAGS (\\Seen))\r\n' +
      '* LIST () "/" {5}\r\na\r\nb.\r\n' +
      'A1 OK done\r\n',
  );
  const expected = [
    '* OK [CAPABILITY IMAP4rev1] ready\r\n',
    '* 1 FETCH (BODY[] {12}\r\nline\r\n{3}\r\nxy FLAGS (\\Seen))\r\n',
    '* LIST () "/" {5}\r\na\r\nb.\r\n',
    'A1 OK done\r\n',
  ];

  it.each([1, 2, 3, 7, 64, wire.length])(
    'splits responses at their CRLF, never inside a literal (pieces of %i bytes)',
    (size) => {
      expect(scan(wire, size)).toEqual(expected);
    },
  );

  it('takes a bare LF as part of the line, and a CRLF split between two pieces as its end', () => {
    expect(scan(bytes('* OK a\nb\r\n* OK c\r\n'), 7)).toEqual(['* OK a\nb\r\n', '* OK c\r\n']);
  });

  it('refuses a literal over the limit when it is announced, before any of its bytes', () => {
    const scanner = new ResponseScanner({ maxLiteralBytes: 1000 });
    expect(() => scanner.push(bytes('* OK [ALERT {2147483648}\r\n'))).toThrow(
      expect.objectContaining({ code: 'LiteralTooLarge' }),
    );
    // And nothing after: the session is over.
    expect(() => scanner.push(bytes('A1 OK\r\n'))).toThrow(
      expect.objectContaining({ code: 'LiteralTooLarge' }),
    );
  });

  it('refuses a literal announced with more digits than any size, leading zeros aside', () => {
    expect(scan(bytes('* 1 FETCH (X {0000000003}\r\nabc)\r\n'), 5)).toEqual([
      '* 1 FETCH (X {0000000003}\r\nabc)\r\n',
    ]);
    expect(() => new ResponseScanner().push(bytes(`* OK {${'9'.repeat(40)}}\r\n`))).toThrow(
      expect.objectContaining({ code: 'LiteralTooLarge' }),
    );
  });

  it('refuses a line over the limit as soon as it is, CRLF or not', () => {
    const scanner = new ResponseScanner({ maxLineBytes: 1024 });
    expect(scanner.push(bytes(`* OK ${'x'.repeat(1000)}`))).toEqual([]);
    expect(() => scanner.push(bytes('x'.repeat(100)))).toThrow(
      expect.objectContaining({ code: 'LineTooLarge' }),
    );
  });

  it('refuses a response whose lines and literals together are over the limit', () => {
    const scanner = new ResponseScanner({ maxResponseBytes: 100, maxLiteralBytes: 80 });
    expect(scanner.push(bytes('* 1 FETCH (A {30}\r\n'))).toEqual([]);
    // 19 + 30 + 9 bytes of lines, then a literal of 70: 128 in all.
    expect(() => scanner.push(bytes(`${'z'.repeat(30)} B {70}\r\n`))).toThrow(
      expect.objectContaining({ code: 'ResponseTooLarge' }),
    );
  });

  it('scans a long line in time linear in its length (it used to re-scan and copy it on every piece)', () => {
    // 8 MiB in 4 KiB pieces: the old scanner copied ~16 GB here; a linear one takes milliseconds.
    const scanner = new ResponseScanner();
    const piece = Buffer.alloc(4096, 'x');
    const started = performance.now();
    for (let i = 0; i < 2047; i++) expect(scanner.push(piece)).toEqual([]);
    const [line] = scanner.push(Buffer.concat([piece.subarray(0, 4094), bytes('\r\n')]));
    expect(line!.length).toBe(2048 * 4096);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('hands back what is left of an incomplete response', () => {
    const scanner = new ResponseScanner();
    expect(scanner.push(bytes('* 1 FETCH (BODY[] {10}\r\nabc'))).toEqual([]);
    expect(scanner.push(bytes('de'))).toEqual([]);
    expect(scanner.drain().toString('latin1')).toBe('* 1 FETCH (BODY[] {10}\r\nabcde');
    expect(scanner.push(bytes('A1 OK\r\n'))).toEqual([bytes('A1 OK\r\n')]);
  });
});
