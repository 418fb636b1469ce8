import { describe, expect, it } from 'vitest';
import { LineScanner } from '../../support/fault-proxy/line-scanner.js';

function scanBytewise(scanner: LineScanner, text: string): string[] {
  const out: string[] = [];
  for (const byte of Buffer.from(text, 'latin1')) {
    for (const line of scanner.push(Buffer.from([byte]))) out.push(line.text);
  }
  return out;
}

describe('LineScanner', () => {
  it('reports each line with the offset just past its LF', () => {
    const lines = new LineScanner().push(Buffer.from('a\r\nbc\r\npartial'));
    expect(lines).toEqual([
      { end: 3, text: 'a' },
      { end: 7, text: 'bc' },
    ]);
  });

  it('joins lines split across chunks one byte at a time', () => {
    expect(scanBytewise(new LineScanner(), 'A1 NOOP\r\nA2 LOGOUT\r\n')).toEqual(['A1 NOOP', 'A2 LOGOUT']);
  });

  it.each([
    ['synchronizing', 'A1 LOGIN {5}\r\nal\r\nx pw\r\n', 'A1 LOGIN {5}\r\nal\r\nx pw'],
    ['non-synchronizing', 'A1 APPEND INBOX {4+}\r\n\r\n\r\n\r\n', 'A1 APPEND INBOX {4+}\r\n\r\n\r\n'],
    ['binary', 'A1 APPEND INBOX ~{2}\r\n\r\n flag\r\n', 'A1 APPEND INBOX ~{2}\r\n\r\n flag'],
  ])('keeps an IMAP %s literal inside its logical line', (_kind, wire, expected) => {
    const scanner = new LineScanner();
    scanner.literals = true;
    expect(scanBytewise(scanner, `${wire}A2 NOOP\r\n`)).toEqual([expected, 'A2 NOOP']);
  });

  it('treats {n} as plain text when literals are off (POP3)', () => {
    expect(new LineScanner().push(Buffer.from('TOP {1}\r\nX\r\n')).map((l) => l.text)).toEqual([
      'TOP {1}',
      'X',
    ]);
  });

  it('keeps only maxText characters of a long line but still finds its end', () => {
    const lines = new LineScanner(4).push(Buffer.from(`${'y'.repeat(100)}\r\nok\r\n`));
    expect(lines).toEqual([
      { end: 102, text: 'yyyy' },
      { end: 106, text: 'ok' },
    ]);
  });
});
