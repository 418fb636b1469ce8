import { describe, expect, it } from 'vitest';
import { bareValues, hasForbiddenBareCharacter, parseCommands, rawlogStream } from './fuzz/wire.js';

/** The fuzz's wire check must itself find what it looks for. */

const log = (...lines: string[]) => Buffer.from(lines.map((line) => `1796304163.536030 ${line}\n`).join(''));

describe('reading a rawlog back', () => {
  it('drops the timestamps, literal lines included, and splits commands', () => {
    const stream = rawlogStream(log('2 APPEND "INBOX" {12+}\r', 'Subject: a\r', '\r', '3 NOOP\r'));
    expect(stream.toString()).toBe('2 APPEND "INBOX" {12+}\r\nSubject: a\r\n\r\n3 NOOP\r\n');
    expect(parseCommands(stream).map((c) => c.bare)).toEqual(['2 APPEND \u0001 \u0001', '3 NOOP']);
  });

  it('keeps a quoted string with escapes whole', () => {
    const [command] = parseCommands(Buffer.from('4 CREATE "a \\"b\\" \\\\c"\r\n'));
    expect(command?.bare).toBe('4 CREATE \u0001');
  });
});

describe('finding user values outside quoted strings and literals', () => {
  const commands = parseCommands(
    Buffer.from(
      '5 UID SEARCH SUBJECT "quoted value" FROM bare-value\r\n6 UID STORE 1 +FLAGS ($Label)\r\n7 EXAMINE Bare\r\n',
    ),
  );
  const vocabulary = new Set(['UID', 'SEARCH', 'SUBJECT', 'FROM', 'STORE', 'EXAMINE', '+FLAGS']);

  it('reports a bare value, not a quoted one, a flag or a number', () => {
    const { found } = bareValues(
      commands,
      ['quoted value', 'bare-value', '$Label', '12345', 'Bare'],
      vocabulary,
    );
    expect(found.map((f) => f.value).sort()).toEqual(['Bare', 'bare-value']);
  });

  it('leaves out what the gateway itself sends and short values', () => {
    expect(bareValues(commands, ['SEARCH', 'ab'], vocabulary).checked).toBe(0);
  });

  it('flags control and 8-bit characters outside quotes', () => {
    const [clean, dirty] = parseCommands(Buffer.from('8 EXAMINE "é\t"\r\n9 EXAMINE é\r\n'));
    expect(hasForbiddenBareCharacter(clean!)).toBe(false);
    expect(hasForbiddenBareCharacter(dirty!)).toBe(true);
  });
});
