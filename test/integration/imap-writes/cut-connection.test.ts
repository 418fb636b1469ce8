import { beforeAll, describe, expect, test } from 'vitest';
import type { ImapMailStore } from '../../../lib/imap/imap-mail-store.js';
import { type FaultOptions, startFaultProxy, withoutCapability } from '../../support/fault-proxy.js';
import type { MailUser } from '../../support/mail-server.js';
import { createImapUser } from '../imap/imap-test-kit.js';
import { idOf, path, seedSubjects, subjectsIn, withPlainStore } from './writes-kit.js';

/**
 * A move or delete-to-Trash cut off after each command it sends, one run per
 * cut point: afterwards the message is in the source, the destination or
 * both, never in neither.
 */
let user: MailUser;

beforeAll(async () => {
  user = await createImapUser('wcut');
  await seedSubjects(user, 'CutDst', []);
});

type Operation = (store: ImapMailStore, id: string) => Promise<unknown>;

async function runThrough(faults: FaultOptions, subject: string, operation: Operation) {
  const proxy = await startFaultProxy({
    target: { host: user.server.host, port: user.server.ports.imap },
    protocol: 'imap',
    ...faults,
  });
  try {
    const id = await idOf(user, 'CutSrc', subject);
    const outcome = await withPlainStore(user, proxy, (store) => operation(store, id)).then(
      () => 'done',
      (error: { code?: string }) => error.code ?? 'thrown',
    );
    return { outcome, commands: proxy.commands.map((c) => c.line) };
  } finally {
    await proxy.close();
  }
}

/** Where the message is once Dovecot has finished whatever it received (it may still be working when the socket dies). */
async function whereIs(
  subject: string,
  destination: string,
): Promise<{ source: boolean; destination: boolean }> {
  let last = { source: false, destination: false };
  for (let i = 0; i < 20; i++) {
    const [inSource, inDestination] = await Promise.all([
      subjectsIn(user, 'CutSrc'),
      subjectsIn(user, destination),
    ]);
    last = { source: inSource.includes(subject), destination: inDestination.includes(subject) };
    if (last.source || last.destination) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

async function everyCutPoint(
  name: string,
  destination: string,
  transform: FaultOptions,
  operation: Operation,
) {
  await seedSubjects(user, 'CutSrc', [`${name}-clean`]);
  const clean = await runThrough(transform, `${name}-clean`, operation);
  expect(clean.outcome).toBe('done');
  const total = clean.commands.length;
  expect(total).toBeGreaterThan(3);
  const outcomes: string[] = [];
  for (let n = 1; n <= total; n++) {
    const subject = `${name}-cut-${n}`;
    await seedSubjects(user, 'CutSrc', [subject]);
    const run = await runThrough({ ...transform, cutAfterCommands: n }, subject, operation);
    outcomes.push(run.outcome);
    const where = await whereIs(subject, destination);
    expect(where.source || where.destination, `${subject} after "${run.commands.at(-1)}"`).toBe(true);
  }
  // Every cut surfaced as an upstream failure, never as a success that did not happen.
  expect(outcomes.filter((o) => o !== 'upstream_unavailable' && o !== 'done')).toEqual([]);
  return clean.commands;
}

describe('a move cut at every command', () => {
  test('with MOVE', async () => {
    const commands = await everyCutPoint('move', 'CutDst', {}, (store, id) =>
      store.moveMessage(path('CutSrc'), id, path('CutDst')),
    );
    expect(commands.some((line) => / UID MOVE /.test(line))).toBe(true);
  });

  test('without MOVE (COPY, STORE \\Deleted, UID EXPUNGE)', async () => {
    const commands = await everyCutPoint(
      'copymove',
      'CutDst',
      { transformToClient: withoutCapability('MOVE') },
      (store, id) => store.moveMessage(path('CutSrc'), id, path('CutDst')),
    );
    const names = commands.map((line) => line.split(' ').slice(1, 3).join(' '));
    expect(names.slice(-3)).toEqual(['UID COPY', 'UID STORE', 'UID EXPUNGE']);
  });

  test('delete to Trash', async () => {
    const commands = await everyCutPoint('trash', 'Trash', {}, (store, id) =>
      store.deleteMessage(path('CutSrc'), id, { permanent: false }),
    );
    expect(commands.some((line) => / UID MOVE \S+ "Trash"$/.test(line))).toBe(true);
  });
});
