import { describe, expect, it } from 'vitest';
import { ResponseTracker } from '../../support/fault-proxy/response-tracker.js';

/** Feeds server lines and returns, per line, which command numbers it completed. */
function completions(tracker: ResponseTracker, serverLines: string[]): number[][] {
  return serverLines.map((line) => tracker.serverLine(line).completed);
}

describe('ResponseTracker', () => {
  it('detects IMAP from the greeting and completes commands by tag, in any order', () => {
    const tracker = new ResponseTracker(undefined);
    expect(tracker.serverLine('* OK ready').completed).toEqual([]);
    expect(tracker.protocol).toBe('imap');
    tracker.command('a1 NOOP');
    tracker.command('a2 FETCH 1 (FLAGS)');
    expect(
      completions(tracker, ['* 1 FETCH (FLAGS ())', 'a2 OK done', 'a1 NO [ALERT] no', 'a1 OK late']),
    ).toEqual([[], [2], [1], []]);
  });

  it('flags the start of TLS only when IMAP STARTTLS succeeds', () => {
    const tracker = new ResponseTracker('imap');
    tracker.command('t1 STARTTLS');
    expect(tracker.serverLine('t1 BAD not now').tlsStarts).toBe(false);
    tracker.command('t2 STARTTLS');
    expect(tracker.serverLine('t2 OK begin TLS')).toEqual({ completed: [2], tlsStarts: true });
  });

  it.each([
    ['single-line STAT', 'STAT', ['+OK 2 320'], [[1]]],
    ['an error ends even a multi-line command', 'RETR 9', ['-ERR no such message'], [[1]]],
    ['RETR ends at the lone dot', 'RETR 1', ['+OK', '+OK body text', '..', '.'], [[], [], [], [1]]],
    ['LIST without argument is multi-line', 'LIST', ['+OK', '1 120', '.'], [[], [], [1]]],
    ['LIST with an argument is single-line', 'LIST 1', ['+OK 1 120'], [[1]]],
    ['UIDL with an argument is single-line', 'UIDL 1', ['+OK 1 abc'], [[1]]],
    ['SASL continuations do not complete', 'AUTH PLAIN', ['+ ', '+OK in'], [[], [1]]],
  ])('POP3: %s', (_name, command, serverLines, expected) => {
    const tracker = new ResponseTracker('pop3');
    tracker.serverLine('+OK POP3 ready');
    tracker.command(command);
    expect(completions(tracker, serverLines)).toEqual(expected);
  });

  it('POP3: pairs pipelined responses with commands in order and spots STLS', () => {
    const tracker = new ResponseTracker(undefined);
    tracker.serverLine('+OK ready');
    expect(tracker.protocol).toBe('pop3');
    tracker.command('CAPA');
    tracker.command('NOOP');
    tracker.command('STLS');
    expect(completions(tracker, ['+OK', 'STLS', '.', '+OK', '+OK go'])).toEqual([[], [], [1], [2], [3]]);
    tracker.command('STLS');
    expect(tracker.serverLine('+OK begin').tlsStarts).toBe(true);
  });

  it.each([
    ['* OK ready', 'a1 NOOP', 'a1 OK done'],
    ['+OK ready', 'NOOP', '+OK'],
  ])('pairs a command sent before the greeting %s', (greeting, command, answer) => {
    const tracker = new ResponseTracker(undefined);
    tracker.command(command);
    expect(completions(tracker, [greeting, answer])).toEqual([[], [1]]);
  });

  it('ignores lines it cannot attribute when the protocol is unknown', () => {
    const tracker = new ResponseTracker(undefined);
    tracker.command('hello');
    expect(tracker.serverLine('hello back')).toEqual({ completed: [], tlsStarts: false });
  });
});
