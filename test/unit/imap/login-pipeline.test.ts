import { describe, expect, test } from 'vitest';
import {
  initialLoginPipeline,
  inspectsWrites,
  type LoginPipelineAction,
  type LoginPipelineEvent,
  type LoginPipelineState,
  stepLoginPipeline,
} from '../../../lib/imap/wire/login-pipeline.js';
import { WireLimitError } from '../../../lib/imap/wire/wire-limits.js';

/**
 * The login pipeline's rules, one table row each: what goes to the server,
 * what imapflow sees (and under which tag), what is dropped. Events are
 * whole command lines and whole responses (the socket frames them; see
 * pipelining-socket.test.ts for bytes split across chunks).
 */

const plan = (...lines: string[]): LoginPipelineEvent => ({ type: 'planned', lines });
/** imapflow writes a command line (CRLF added). */
const client = (line: string): LoginPipelineEvent => ({
  type: 'clientLine',
  line: Buffer.from(`${line}\r\n`, 'latin1'),
});
/** The server sends one whole response (CRLF added at the end). */
const server = (response: string): LoginPipelineEvent => ({
  type: 'serverResponse',
  response: Buffer.from(`${response}\r\n`, 'latin1'),
});

/** Actions as short strings: `send …`, `deliver …`, `drop mgp1 …`, `through`, `fail …`; CRLF shown as `⏎`. */
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
      return `fail ${action.error.name}: ${action.error.message}`;
  }
}

/** Freezes a state (Buffers aside, which cannot be): a step that mutated it would throw. */
function freeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  for (const inner of Object.values(value)) freeze(inner);
  return Object.freeze(value);
}

function run(
  events: readonly LoginPipelineEvent[],
  state: LoginPipelineState = initialLoginPipeline(),
): { state: LoginPipelineState; actions: string[] } {
  const actions: string[] = [];
  let current = freeze(state);
  for (const event of events) {
    const step = stepLoginPipeline(current, event);
    actions.push(...step.actions.map(show));
    current = freeze(step.state);
  }
  return { state: current, actions };
}

const GREETING = server('* OK [CAPABILITY IMAP4rev1 LITERAL+] ready');
const LOGIN = client('A1 LOGIN "u" "p"');
const LOGIN_OK = server('A1 OK [CAPABILITY IMAP4rev1 UNSELECT] Logged in');
const EXAMINE_ANSWER = ['* 3 EXISTS', '* OK [UIDVALIDITY 7] ok', 'mgp1 OK [READ-ONLY] done'];

interface Row {
  name: string;
  events: LoginPipelineEvent[];
  actions: string[];
  /** Whether the pipeline ends with nothing left to decide (phase `through`). */
  through: boolean;
}

const rows: Row[] = [
  {
    name: 'before LOGIN everything passes; the planned lines leave in LOGIN’s flight under our tags',
    events: [GREETING, client('A0 CAPABILITY'), plan('EXAMINE INBOX', 'STATUS Sent (UIDNEXT)'), LOGIN],
    actions: [
      'deliver * OK [CAPABILITY IMAP4rev1 LITERAL+] ready⏎',
      'send A0 CAPABILITY⏎',
      'send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎mgp2 STATUS Sent (UIDNEXT)⏎',
    ],
    through: false,
  },
  {
    name: 'nothing planned: LOGIN passes and nothing is inspected from then on',
    events: [LOGIN, LOGIN_OK, server('mgp1 OK looks like ours')],
    actions: [
      'send A1 LOGIN "u" "p"⏎',
      'through',
      'deliver A1 OK [CAPABILITY IMAP4rev1 UNSELECT] Logged in⏎',
      'deliver mgp1 OK looks like ours⏎',
    ],
    through: true,
  },
  {
    name: 'a LOGIN with a synchronising literal is not pipelined (it must wait for "+")',
    events: [plan('EXAMINE INBOX'), client('A1 LOGIN "u" {4}'), client('pass')],
    actions: ['send A1 LOGIN "u" {4}⏎', 'through', 'send pass⏎'],
    through: true,
  },
  {
    name: 'AUTHENTICATE (OAuth2) is never pipelined: the plan is dropped, everything passes, the connection is settled',
    events: [
      plan('EXAMINE INBOX'),
      client('A1 AUTHENTICATE OAUTHBEARER bixhPXUsAWhvc3Q9aAFwb3J0PTEBYXV0aD1CZWFyZXIgdAEB'),
      server('A1 OK [CAPABILITY IMAP4rev1 UNSELECT] Logged in'),
      client('A2 EXAMINE INBOX'),
    ],
    actions: [
      'send A1 AUTHENTICATE OAUTHBEARER bixhPXUsAWhvc3Q9aAFwb3J0PTEBYXV0aD1CZWFyZXIgdAEB⏎',
      'through',
      'deliver A1 OK [CAPABILITY IMAP4rev1 UNSELECT] Logged in⏎',
      'send A2 EXAMINE INBOX⏎',
    ],
    through: true,
  },
  {
    name: 'a refused token: the error challenge and the SASL answer to it pass untouched',
    events: [
      plan('EXAMINE INBOX'),
      client('A1 AUTHENTICATE XOAUTH2 dXNlcj11AWF1dGg9QmVhcmVyIHQBAQ=='),
      server('+ eyJzdGF0dXMiOiI0MDEifQ=='),
      client(''),
      server('A1 NO [AUTHENTICATIONFAILED] Authentication failed.'),
    ],
    actions: [
      'send A1 AUTHENTICATE XOAUTH2 dXNlcj11AWF1dGg9QmVhcmVyIHQBAQ==⏎',
      'through',
      'deliver + eyJzdGF0dXMiOiI0MDEifQ==⏎',
      'send ⏎',
      'deliver A1 NO [AUTHENTICATIONFAILED] Authentication failed.⏎',
    ],
    through: true,
  },
  {
    name: 'nor one with a non-synchronising literal (its data would follow our lines)',
    events: [plan('EXAMINE INBOX'), client('A1 LOGIN "u" {4+}')],
    actions: ['send A1 LOGIN "u" {4+}⏎', 'through'],
    through: true,
  },
  {
    name: 'the answer is held until imapflow sends the same line, which is swallowed; the answer comes under its tag',
    events: [
      plan('EXAMINE INBOX'),
      LOGIN,
      LOGIN_OK,
      ...EXAMINE_ANSWER.map(server),
      client('A2 EXAMINE INBOX'),
      client('A3 UID FETCH 1:* (FLAGS)'),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎',
      'deliver A1 OK [CAPABILITY IMAP4rev1 UNSELECT] Logged in⏎',
      'deliver * 3 EXISTS⏎',
      'deliver * OK [UIDVALIDITY 7] ok⏎',
      'deliver A2 OK [READ-ONLY] done⏎',
      'through',
      'send A3 UID FETCH 1:* (FLAGS)⏎',
    ],
    through: true,
  },
  {
    name: 'a claim before the answer arrives: the answer is delivered as it comes, retagged',
    events: [
      plan('EXAMINE INBOX'),
      LOGIN,
      LOGIN_OK,
      client('A2 EXAMINE INBOX'),
      ...EXAMINE_ANSWER.map(server),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎',
      'deliver A1 OK [CAPABILITY IMAP4rev1 UNSELECT] Logged in⏎',
      'deliver * 3 EXISTS⏎',
      'deliver * OK [UIDVALIDITY 7] ok⏎',
      'deliver A2 OK [READ-ONLY] done⏎',
      'through',
    ],
    through: true,
  },
  {
    name: 'an answer split around the claim: the held part first, the rest as it arrives',
    events: [
      plan('EXAMINE INBOX'),
      LOGIN,
      LOGIN_OK,
      server(EXAMINE_ANSWER[0]!),
      client('A2 EXAMINE INBOX'),
      server(EXAMINE_ANSWER[1]!),
      server(EXAMINE_ANSWER[2]!),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎',
      'deliver A1 OK [CAPABILITY IMAP4rev1 UNSELECT] Logged in⏎',
      'deliver * 3 EXISTS⏎',
      'deliver * OK [UIDVALIDITY 7] ok⏎',
      'deliver A2 OK [READ-ONLY] done⏎',
      'through',
    ],
    through: true,
  },
  {
    name: 'CAPABILITY, ID and NAMESPACE pass while answers wait; their answers after ours reach imapflow',
    events: [
      plan('EXAMINE INBOX'),
      LOGIN,
      server('A1 OK Logged in'),
      ...EXAMINE_ANSWER.map(server),
      client('A2 CAPABILITY'),
      client('A3 ID NIL'),
      client('A4 NAMESPACE'),
      server('* CAPABILITY IMAP4rev1 UNSELECT'),
      server('A2 OK done'),
      server('* ID NIL'),
      server('A3 OK done'),
      server('A4 OK done'),
      client('A5 EXAMINE INBOX'),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎',
      'deliver A1 OK Logged in⏎',
      'send A2 CAPABILITY⏎',
      'send A3 ID NIL⏎',
      'send A4 NAMESPACE⏎',
      'deliver * CAPABILITY IMAP4rev1 UNSELECT⏎',
      'deliver A2 OK done⏎',
      'deliver * ID NIL⏎',
      'deliver A3 OK done⏎',
      'deliver A4 OK done⏎',
      'deliver * 3 EXISTS⏎',
      'deliver * OK [UIDVALIDITY 7] ok⏎',
      'deliver A5 OK [READ-ONLY] done⏎',
      'through',
    ],
    through: true,
  },
  {
    name: 'a tagged completion of imapflow’s CAPABILITY in the middle of our answer passes at once',
    events: [
      plan('EXAMINE INBOX'),
      LOGIN,
      server('A1 OK Logged in'),
      client('A2 CAPABILITY'),
      server('* 3 EXISTS'),
      server('A2 OK done'),
      server('mgp1 OK done'),
      client('A3 EXAMINE INBOX'),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎',
      'deliver A1 OK Logged in⏎',
      'send A2 CAPABILITY⏎',
      'deliver A2 OK done⏎',
      'deliver * 3 EXISTS⏎',
      'deliver A3 OK done⏎',
      'through',
    ],
    through: true,
  },
  {
    name: 'any other command drops the predictions’ answers, held and to come; writes then pass unread',
    events: [
      plan('EXAMINE INBOX'),
      LOGIN,
      LOGIN_OK,
      server(EXAMINE_ANSWER[0]!),
      client('A2 SELECT Drafts'),
      server(EXAMINE_ANSWER[1]!),
      server(EXAMINE_ANSWER[2]!),
      server('* 0 EXISTS'),
      server('A2 OK [READ-WRITE] done'),
      client('A3 EXAMINE INBOX'),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎',
      'deliver A1 OK [CAPABILITY IMAP4rev1 UNSELECT] Logged in⏎',
      'drop mgp1 * 3 EXISTS⏎',
      'send A2 SELECT Drafts⏎',
      'drop mgp1 * OK [UIDVALIDITY 7] ok⏎',
      'drop mgp1 mgp1 OK [READ-ONLY] done⏎',
      'through',
      'deliver * 0 EXISTS⏎',
      'deliver A2 OK [READ-WRITE] done⏎',
      'send A3 EXAMINE INBOX⏎',
    ],
    through: true,
  },
  {
    name: 'a command that differs only in its arguments is another command',
    events: [plan('EXAMINE INBOX'), LOGIN, client('A2 EXAMINE Inbox')],
    actions: ['send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎', 'send A2 EXAMINE Inbox⏎'],
    through: false,
  },
  {
    name: 'a refused LOGIN drops the held answers (the server answered them unauthenticated)',
    events: [
      plan('EXAMINE INBOX'),
      LOGIN,
      server('A1 NO [AUTHENTICATIONFAILED] Authentication failed.'),
      server('mgp1 BAD Error in IMAP command EXAMINE: Not authenticated'),
      client('A2 LOGOUT'),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎',
      'deliver A1 NO [AUTHENTICATIONFAILED] Authentication failed.⏎',
      'drop mgp1 mgp1 BAD Error in IMAP command EXAMINE: Not authenticated⏎',
      'through',
      'send A2 LOGOUT⏎',
    ],
    through: true,
  },
  {
    name: 'a held answer with literals is held and delivered whole, a tag-like line inside the literal included',
    events: [
      plan('LIST "" "*"'),
      LOGIN,
      server('A1 OK Logged in'),
      server('* LIST () "/" {16}\r\nmgp1 OK inside\r\n'),
      server('mgp1 OK List completed'),
      client('A2 LIST "" "*"'),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 LIST "" "*"⏎',
      'deliver A1 OK Logged in⏎',
      'deliver * LIST () "/" {16}⏎mgp1 OK inside⏎⏎',
      'deliver A2 OK List completed⏎',
      'through',
    ],
    through: true,
  },
  {
    name: 'untagged responses between tagged ones belong to the command being answered',
    events: [
      plan('STATUS Archive (UIDVALIDITY)', 'SELECT INBOX'),
      LOGIN,
      server('A1 OK Logged in'),
      server('* STATUS Archive (UIDVALIDITY 9)'),
      server('mgp1 OK Status completed'),
      server('* 5 EXISTS'),
      server('* OK [UIDVALIDITY 7] ok'),
      server('mgp2 OK [READ-WRITE] Select completed'),
      client('A2 STATUS Archive (UIDVALIDITY)'),
      client('A3 SELECT INBOX'),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 STATUS Archive (UIDVALIDITY)⏎mgp2 SELECT INBOX⏎',
      'deliver A1 OK Logged in⏎',
      'deliver * STATUS Archive (UIDVALIDITY 9)⏎',
      'deliver A2 OK Status completed⏎',
      'deliver * 5 EXISTS⏎',
      'deliver * OK [UIDVALIDITY 7] ok⏎',
      'deliver A3 OK [READ-WRITE] Select completed⏎',
      'through',
    ],
    through: true,
  },
  {
    name: 'the second prediction claimed first is another command: both answers are dropped',
    events: [
      plan('STATUS Archive (UIDVALIDITY)', 'SELECT INBOX'),
      LOGIN,
      server('A1 OK Logged in'),
      client('A2 SELECT INBOX'),
      server('mgp1 OK Status completed'),
      server('mgp2 OK Select completed'),
      server('A2 OK Select completed'),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 STATUS Archive (UIDVALIDITY)⏎mgp2 SELECT INBOX⏎',
      'deliver A1 OK Logged in⏎',
      'send A2 SELECT INBOX⏎',
      'drop mgp1 mgp1 OK Status completed⏎',
      'drop mgp2 mgp2 OK Select completed⏎',
      'through',
      'deliver A2 OK Select completed⏎',
    ],
    through: true,
  },
  {
    name: 'a BYE in the middle of a held answer stays with it: imapflow sees it once it claims the answer',
    events: [
      plan('EXAMINE INBOX'),
      LOGIN,
      server('A1 OK Logged in'),
      server('* 3 EXISTS'),
      server('* BYE Server shutting down'),
      client('A2 EXAMINE INBOX'),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎',
      'deliver A1 OK Logged in⏎',
      'deliver * 3 EXISTS⏎',
      'deliver * BYE Server shutting down⏎',
    ],
    through: false,
  },
  {
    name: 'a BYE before LOGIN is answered reaches imapflow at once',
    events: [plan('EXAMINE INBOX'), LOGIN, server('* BYE Too many connections')],
    actions: ['send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎', 'deliver * BYE Too many connections⏎'],
    through: false,
  },
  {
    name: 'our tags avoid LOGIN’s, whatever its case',
    events: [plan('EXAMINE INBOX'), client('MGP1 LOGIN "u" "p"'), server('MGP1 OK Logged in')],
    actions: ['send MGP1 LOGIN "u" "p"⏎mgpp1 EXAMINE INBOX⏎', 'deliver MGP1 OK Logged in⏎'],
    through: false,
  },
  {
    name: 'imapflow’s tags, longer or shorter than ours, replace ours exactly',
    events: [
      plan('EXAMINE INBOX', 'STATUS Sent (UIDNEXT)'),
      LOGIN,
      server('A1 OK Logged in'),
      server('mgp1 OK done'),
      server('mgp2 OK done'),
      client('7 EXAMINE INBOX'),
      client('1A2B3C4D5E STATUS Sent (UIDNEXT)'),
    ],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎mgp2 STATUS Sent (UIDNEXT)⏎',
      'deliver A1 OK Logged in⏎',
      'deliver 7 OK done⏎',
      'deliver 1A2B3C4D5E OK done⏎',
      'through',
    ],
    through: true,
  },
  {
    name: 'a command of imapflow’s under a tag one of ours still awaits an answer for: the connection fails',
    events: [plan('EXAMINE INBOX'), LOGIN, client('mgp1 CAPABILITY')],
    actions: [
      'send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎',
      "fail Error: IMAP client tag mgp1 collides with a pipelined command's",
    ],
    through: false,
  },
  {
    name: 'a neutral command announcing a literal ends the inspection of writes, like any other',
    events: [plan('EXAMINE INBOX'), LOGIN, client('A2 ID ("name" {8}')],
    actions: ['send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎', 'send A2 ID ("name" {8}⏎'],
    through: false,
  },
  {
    name: 'a plan handed down after LOGIN was written is ignored',
    events: [LOGIN, plan('EXAMINE INBOX'), LOGIN_OK],
    actions: [
      'send A1 LOGIN "u" "p"⏎',
      'through',
      'deliver A1 OK [CAPABILITY IMAP4rev1 UNSELECT] Logged in⏎',
    ],
    through: true,
  },
  {
    name: 'planned lines stop at the first that could not travel as one line',
    events: [plan('EXAMINE INBOX', 'SELECT "a\r\nb"', 'STATUS x (UIDNEXT)'), LOGIN],
    actions: ['send A1 LOGIN "u" "p"⏎mgp1 EXAMINE INBOX⏎'],
    through: false,
  },
];

describe('login pipeline', () => {
  test.each(rows)('$name', ({ events, actions, through }) => {
    const result = run(events);
    expect(result.actions).toEqual(actions);
    expect(result.state.phase === 'through').toBe(through);
  });

  test('held answers over the limit fail the connection with a wire-limit error', () => {
    const state = initialLoginPipeline({ maxHeldBytes: 40 });
    const holding = run(
      [plan('EXAMINE INBOX'), LOGIN, server('A1 OK Logged in'), server('* 1 EXISTS')],
      state,
    );
    expect(holding.actions).toHaveLength(2);
    const step = stepLoginPipeline(holding.state, server(`* OK ${'x'.repeat(40)}`));
    expect(step.actions).toHaveLength(1);
    const [failure] = step.actions;
    expect(failure?.type === 'fail' && failure.error).toBeInstanceOf(WireLimitError);
    expect(failure?.type === 'fail' && failure.error.message).toMatch(
      /held IMAP answers over the response limit/,
    );
  });

  test('held bytes are counted and released: nothing held once the answer is delivered', () => {
    const held = run([
      plan('EXAMINE INBOX'),
      LOGIN,
      server('A1 OK Logged in'),
      ...EXAMINE_ANSWER.map(server),
    ]);
    expect(held.state.heldBytes).toBe(EXAMINE_ANSWER.join('\r\n').length + 2);
    const claimed = run([client('A2 EXAMINE INBOX')], held.state);
    expect(claimed.state.heldBytes).toBe(0);
  });

  test('writes are inspected until imapflow sends a command of its own or all is through', () => {
    const armed = run([plan('EXAMINE INBOX'), LOGIN]);
    expect(inspectsWrites(armed.state)).toBe(true);
    expect(inspectsWrites(run([client('A2 NOOP')], armed.state).state)).toBe(false);
    expect(inspectsWrites(run([LOGIN]).state)).toBe(false);
  });
});
