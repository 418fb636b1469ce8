import { describe, expect, it } from 'vitest';
import { quoteMailboxNames, quoteSearchStrings, type WireToken } from '../../../lib/imap/imapflow/index.js';
import { buildSearchQuery } from '../../../lib/imap/read/search-query.js';
import type { MessageFilter } from '../../../lib/mail/types.js';

const atom = (value: string) => ({ type: 'ATOM', value });
const string = (value: string) => ({ type: 'STRING', value });

describe('quoteSearchStrings', () => {
  it.each<[string, WireToken[], WireToken[]]>([
    [
      'a value that looks like a flag',
      [atom('SUBJECT'), atom('\\Seen')],
      [atom('SUBJECT'), string('\\Seen')],
    ],
    ['a plain word', [atom('FROM'), atom('alice')], [atom('FROM'), string('alice')]],
    ['a value that is a search key', [atom('TEXT'), atom('ALL')], [atom('TEXT'), string('ALL')]],
    [
      'a key as the value of a key',
      [atom('TO'), atom('SUBJECT'), atom('X')],
      [atom('TO'), string('SUBJECT'), atom('X')],
    ],
    [
      'a header name and value',
      [atom('HEADER'), atom('X-TAG'), atom('')],
      [atom('HEADER'), string('X-TAG'), string('')],
    ],
    [
      'values inside groups',
      [atom('OR'), [atom('CC'), atom('a')], [atom('BCC'), atom('b')]],
      [atom('OR'), [atom('CC'), string('a')], [atom('BCC'), string('b')]],
    ],
    [
      'numbers, dates, flags and sequences as they were',
      [
        atom('UID'),
        { type: 'SEQUENCE', value: '1:5' },
        atom('LARGER'),
        atom('10'),
        atom('SINCE'),
        atom('1-Jan-2026'),
      ],
      [
        atom('UID'),
        { type: 'SEQUENCE', value: '1:5' },
        atom('LARGER'),
        atom('10'),
        atom('SINCE'),
        atom('1-Jan-2026'),
      ],
    ],
    [
      'a keyword, which is a flag',
      [atom('KEYWORD'), atom('FROM'), atom('UNSEEN')],
      [atom('KEYWORD'), atom('FROM'), atom('UNSEEN')],
    ],
    [
      'a literal (non-ASCII)',
      [atom('BODY'), { type: 'LITERAL', value: Buffer.from('Grüße') }],
      [atom('BODY'), { type: 'LITERAL', value: Buffer.from('Grüße') }],
    ],
    ['a key with its value missing', [atom('SUBJECT')], [atom('SUBJECT')]],
  ])('%s', (_name, tokens, expected) => {
    expect(quoteSearchStrings(tokens)).toEqual(expected);
  });
});

describe('every filter value of a real search goes out quoted', () => {
  it('on the compiled imapflow command', async () => {
    const { searchCompiler } = await import('imapflow/lib/search-compiler.js');
    const filter: MessageFilter = {
      seen: false,
      from: 'alice',
      subject: '\\Seen',
      text: 'ALL',
      headers: [
        { name: '__proto__', value: 'x' },
        { name: 'X-Tag', value: '' },
        { name: 'x-tag', value: 'b' },
      ],
    };
    const connection = { capabilities: new Map(), enabled: new Set(), mailbox: { path: 'INBOX' } };
    const tokens = searchCompiler(connection as never, buildSearchQuery(filter) as never) as WireToken[];
    const flatten = (list: readonly WireToken[]): string[] =>
      list.flatMap((t) => (Array.isArray(t) ? flatten(t) : [`${t.type}:${String(t.value)}`]));
    expect(flatten(quoteSearchStrings(tokens))).toEqual([
      'ATOM:UNSEEN',
      'ATOM:FROM',
      'STRING:alice',
      'ATOM:SUBJECT',
      'STRING:\\Seen',
      'ATOM:TEXT',
      'STRING:ALL',
      'ATOM:HEADER',
      'STRING:__PROTO__',
      'STRING:x',
      'ATOM:HEADER',
      'STRING:X-TAG',
      'STRING:',
      // A single-operand OR: imapflow sends it as a parenthesised group.
      'ATOM:HEADER',
      'STRING:X-TAG',
      'STRING:b',
    ]);
  });
});

describe('quoteMailboxNames', () => {
  const sequence = { type: 'SEQUENCE', value: '1:2' };
  it.each<[string, string, WireToken[], WireToken[]]>([
    ['a name that looks like a flag', 'CREATE', [atom('\\Seen')], [string('\\Seen')]],
    ['a plain name', 'EXAMINE', [atom('INBOX')], [string('INBOX')]],
    [
      'a SELECT with QRESYNC',
      'SELECT',
      [atom('Nope'), [atom('QRESYNC'), [atom('1'), atom('2')]]],
      [string('Nope'), [atom('QRESYNC'), [atom('1'), atom('2')]]],
    ],
    ['both names of a RENAME', 'RENAME', [atom('a'), atom('b')], [string('a'), string('b')]],
    ['the destination of a UID MOVE', 'UID MOVE', [sequence, atom('Archive')], [sequence, string('Archive')]],
    [
      'the mailbox of a STATUS, not its items',
      'STATUS',
      [atom('x'), [atom('UIDNEXT')]],
      [string('x'), [atom('UIDNEXT')]],
    ],
    ['a literal', 'APPEND', [{ type: 'LITERAL', value: 'x' }], [{ type: 'LITERAL', value: 'x' }]],
    ['a command without mailboxes', 'UID STORE', [sequence, atom('+FLAGS')], [sequence, atom('+FLAGS')]],
  ])('quotes %s', (_name, command, tokens, expected) => {
    expect(quoteMailboxNames(command, tokens)).toEqual(expected);
  });
});
