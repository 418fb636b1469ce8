import { describe, expect, test } from 'vitest';
import {
  initialLoginPipeline,
  type LoginPipelineAction,
  type LoginPipelineEvent,
  type LoginPipelineState,
  stepLoginPipeline,
} from '../../../lib/imap/wire/login-pipeline.js';

/**
 * The pipeline on a kept connection: a settled pipeline armed again with
 * `plannedAfter` sends the planned lines in the flight of exactly the named
 * command (the SELECT/EXAMINE), hands their answers over only when the
 * client sends the same lines, and drops them when that command fails or the
 * client goes another way. One table row each, as in login-pipeline.test.ts.
 */

const client = (line: string): LoginPipelineEvent => ({
  type: 'clientLine',
  line: Buffer.from(`${line}\r\n`, 'latin1'),
});
const server = (response: string): LoginPipelineEvent => ({
  type: 'serverResponse',
  response: Buffer.from(`${response}\r\n`, 'latin1'),
});
const armAfter = (trigger: string, ...lines: string[]): LoginPipelineEvent => ({
  type: 'plannedAfter',
  trigger,
  lines,
});

function show(action: LoginPipelineAction): string {
  const text = (bytes: Buffer) => bytes.toString('latin1').replaceAll('\r\n', '⏎');
  switch (action.type) {
    case 'send':
      return `send ${text(action.bytes)}`;
    case 'deliver':
      return `deliver ${text(action.bytes)}`;
    case 'drop':
      return `drop ${action.tag} ${text(action.bytes)}`;
    case 'passThrough':
      return 'through';
    case 'fail':
      return `fail ${action.error.message}`;
  }
}

function run(events: readonly LoginPipelineEvent[], state: LoginPipelineState) {
  const actions: string[] = [];
  let current = state;
  for (const event of events) {
    const step = stepLoginPipeline(current, event);
    actions.push(...step.actions.map(show));
    current = step.state;
  }
  return { state: current, actions };
}

/** A connection past its LOGIN flight with nothing planned: settled, as the pool keeps it. */
function kept(): LoginPipelineState {
  const { state } = run([client('A1 LOGIN "u" "p"'), server('A1 OK Logged in')], initialLoginPipeline());
  expect(state.phase).toBe('through');
  return state;
}

const EXAMINE = 'EXAMINE "INBOX"';
const FETCH = 'UID FETCH 5 (UID FLAGS)';
const EXAMINE_OK = [
  server('* 3 EXISTS'),
  server('* OK [UIDVALIDITY 7] ok'),
  server('A2 OK [READ-ONLY] done'),
];
const FETCH_ANSWER = [server('* 2 FETCH (UID 5 FLAGS (\\Seen))'), server('mgp1 OK Fetch completed')];

interface Row {
  name: string;
  events: LoginPipelineEvent[];
  actions: string[];
  through: boolean;
}

const rows: Row[] = [
  {
    name: 'the FETCH leaves in the EXAMINE’s flight; its answer is held, then handed over under the client’s tag',
    events: [
      armAfter(EXAMINE, FETCH),
      client(`A2 ${EXAMINE}`),
      ...EXAMINE_OK,
      ...FETCH_ANSWER,
      client(`A3 ${FETCH}`),
    ],
    actions: [
      `send A2 ${EXAMINE}⏎mgp1 ${FETCH}⏎`,
      'deliver * 3 EXISTS⏎',
      'deliver * OK [UIDVALIDITY 7] ok⏎',
      'deliver A2 OK [READ-ONLY] done⏎',
      'deliver * 2 FETCH (UID 5 FLAGS (\\Seen))⏎',
      'deliver A3 OK Fetch completed⏎',
      'through',
    ],
    through: true,
  },
  {
    name: 'the FETCH claimed before its answer came: the answer goes through as it arrives',
    events: [
      armAfter(EXAMINE, FETCH),
      client(`A2 ${EXAMINE}`),
      ...EXAMINE_OK,
      client(`A3 ${FETCH}`),
      ...FETCH_ANSWER,
    ],
    actions: [
      `send A2 ${EXAMINE}⏎mgp1 ${FETCH}⏎`,
      'deliver * 3 EXISTS⏎',
      'deliver * OK [UIDVALIDITY 7] ok⏎',
      'deliver A2 OK [READ-ONLY] done⏎',
      'deliver * 2 FETCH (UID 5 FLAGS (\\Seen))⏎',
      'deliver A3 OK Fetch completed⏎',
      'through',
    ],
    through: true,
  },
  {
    name: 'a failed EXAMINE drops the FETCH’s answer (BAD: no mailbox selected); the client’s LIST then passes',
    events: [
      armAfter(EXAMINE, FETCH),
      client(`A2 ${EXAMINE}`),
      server('A2 NO [NONEXISTENT] Mailbox does not exist'),
      server('mgp1 BAD No mailbox selected'),
      client('A3 LIST "" "INBOX"'),
      server('A3 OK List completed'),
    ],
    actions: [
      `send A2 ${EXAMINE}⏎mgp1 ${FETCH}⏎`,
      'deliver A2 NO [NONEXISTENT] Mailbox does not exist⏎',
      'drop mgp1 mgp1 BAD No mailbox selected⏎',
      'through',
      'send A3 LIST "" "INBOX"⏎',
      'deliver A3 OK List completed⏎',
    ],
    through: true,
  },
  {
    name: 'a changed UIDVALIDITY: the client never sends the FETCH, its held answer is never seen and the connection is not settled',
    events: [armAfter(EXAMINE, FETCH), client(`A2 ${EXAMINE}`), ...EXAMINE_OK, ...FETCH_ANSWER],
    actions: [
      `send A2 ${EXAMINE}⏎mgp1 ${FETCH}⏎`,
      'deliver * 3 EXISTS⏎',
      'deliver * OK [UIDVALIDITY 7] ok⏎',
      'deliver A2 OK [READ-ONLY] done⏎',
    ],
    through: false,
  },
  {
    name: 'the client sends another command instead of the FETCH: the held answer is dropped, its command passes',
    events: [
      armAfter(EXAMINE, FETCH),
      client(`A2 ${EXAMINE}`),
      ...EXAMINE_OK,
      ...FETCH_ANSWER,
      client('A3 UID FETCH 5 (UID FLAGS MODSEQ)'),
    ],
    actions: [
      `send A2 ${EXAMINE}⏎mgp1 ${FETCH}⏎`,
      'deliver * 3 EXISTS⏎',
      'deliver * OK [UIDVALIDITY 7] ok⏎',
      'deliver A2 OK [READ-ONLY] done⏎',
      'drop mgp1 * 2 FETCH (UID 5 FLAGS (\\Seen))⏎',
      'drop mgp1 mgp1 OK Fetch completed⏎',
      'send A3 UID FETCH 5 (UID FLAGS MODSEQ)⏎',
      'through',
    ],
    through: true,
  },
  {
    name: 'the next command is not the named one: nothing is pipelined, nothing inspected from then on',
    events: [armAfter(EXAMINE, FETCH), client('A2 EXAMINE "Sent"'), server('mgp1 OK looks like ours')],
    actions: ['send A2 EXAMINE "Sent"⏎', 'deliver mgp1 OK looks like ours⏎'],
    through: true,
  },
  {
    name: 'a named command with a literal is never armed',
    events: [armAfter('EXAMINE {5}', FETCH), client('A2 EXAMINE {5}')],
    actions: ['send A2 EXAMINE {5}⏎'],
    through: true,
  },
];

describe('pipelining after a command on a kept connection', () => {
  for (const row of rows) {
    test(row.name, () => {
      const { state, actions } = run(row.events, kept());
      expect(actions).toEqual(row.actions);
      expect(state.phase === 'through').toBe(row.through);
    });
  }

  test('ignored while LOGIN’s own predictions are pending', () => {
    const cold = run(
      [{ type: 'planned', lines: [EXAMINE] }, client('A1 LOGIN "u" "p"')],
      initialLoginPipeline(),
    ).state;
    expect(cold.phase).toBe('pipelined');
    const { state, actions } = run([armAfter(EXAMINE, FETCH)], cold);
    expect(state).toBe(cold);
    expect(actions).toEqual([]);
  });

  test('a client tag equal to the pipelined one fails the connection instead of mixing answers', () => {
    const { actions } = run([armAfter(EXAMINE, FETCH), client(`A2 ${EXAMINE}`), client('mgp1 NOOP')], kept());
    expect(actions.at(-1)).toMatch(/^fail .*mgp1/);
  });
});
