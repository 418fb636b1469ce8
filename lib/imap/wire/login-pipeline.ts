import { statusOf, tagOf } from './response-scanner.js';
import { MAX_RESPONSE_BYTES, WireLimitError } from './wire-limits.js';

/**
 * What the pipelining socket decides, as a pure state machine: which bytes
 * go to the server, which reach the client (imapflow), which are held or
 * dropped. No I/O, no timers; `stepLoginPipeline` returns the next state and
 * the actions for the socket to carry out, in order.
 *
 * The rules (RFC 9051 §5.5 allows a client to pipeline commands):
 * - When the client writes LOGIN, the planned lines go out with it, under
 *   our own tags. Not when LOGIN announces a literal (it must wait for "+",
 *   or its data would follow our lines) or nothing was planned.
 * - Their answers are held. When the client writes the same line as the
 *   next prediction, the line is swallowed and the held answer delivered
 *   under the client's tag; the rest of that answer follows as it arrives.
 * - CAPABILITY, ID and NAMESPACE pass without disturbing the predictions;
 *   any other line drops the answers of every prediction not yet claimed,
 *   and from then on the client's writes pass unread (literal data may follow).
 * - A refused LOGIN drops every held answer: the server answered the rest
 *   as unauthenticated.
 * - AUTHENTICATE (OAuth2: XOAUTH2, OAUTHBEARER) is never pipelined: a
 *   refused token is answered with a "+" challenge that would take the next
 *   pipelined line as the client's SASL response. The planned lines are
 *   dropped and everything passes through from then on, as after a LOGIN
 *   with nothing planned, so the connection is settled and may be kept.
 * - Once every prediction was answered and no answer is held, nothing is
 *   inspected any more (phase `through`).
 * - On a kept connection, once `through`, the same is done after another
 *   command than LOGIN (`plannedAfter`): the next line the client writes must
 *   be exactly that command (a SELECT/EXAMINE), else nothing is pipelined;
 *   the planned lines go out in its flight, and when it is answered other
 *   than OK (a mailbox that is gone) their answers are dropped, as after a
 *   refused LOGIN.
 */

/** Commands the client may send while predictions wait: they neither depend on nor change the selected mailbox. */
const NEUTRAL = new Set(['CAPABILITY', 'ID', 'NAMESPACE']);
const LOGIN_LINE = /^(\S+) LOGIN /i;
const AUTHENTICATE_LINE = /^\S+ AUTHENTICATE /i;
/** A literal announced at the end of a line: `{n}` (synchronising, RFC 9051 §7.5) or `{n+}` (RFC 7888). */
const LITERAL_AT_END = /\{\d+\+?\}\r\n$/;
const TAG_PREFIX = 'mgp';

export interface Prediction {
  /** Our tag, under which it was sent. */
  readonly tag: string;
  /** The command after its tag, CRLF included. */
  readonly command: string;
  /** The client's tag for the same command once it wrote it; null until then. */
  readonly claimedAs: string | null;
  /** Its answer so far, held until the client claims it. */
  readonly held: readonly Buffer[];
  /** Nobody will see its answer: it is dropped as it arrives. */
  readonly dropped: boolean;
}

export interface LoginPipelineState {
  readonly phase: 'armed' | 'pipelined' | 'through';
  /** The lines (untagged, no CRLF) to send with LOGIN. */
  readonly planned: readonly string[];
  /** The command (untagged, no CRLF) the planned lines follow instead of LOGIN; null: LOGIN. */
  readonly trigger: string | null;
  /** The tag of the command the predictions travel with (LOGIN or the trigger). */
  readonly loginTag: string | null;
  readonly predictions: readonly Prediction[];
  /** Which command the server is answering: -1 LOGIN, then an index into `predictions`. */
  readonly answering: number;
  /** The client's writes pass unread: it sent a command of its own, whose literal data may follow. */
  readonly writesThrough: boolean;
  /** Bytes of answers held; together they stay within `maxHeldBytes`. */
  readonly heldBytes: number;
  readonly maxHeldBytes: number;
}

export type LoginPipelineEvent =
  /** The lines to pipeline with LOGIN, handed down before LOGIN is written. */
  | { readonly type: 'planned'; readonly lines: readonly string[] }
  /**
   * On a connection already `through`: the lines to pipeline with the next
   * command the client writes, when it is exactly `trigger`.
   */
  | { readonly type: 'plannedAfter'; readonly trigger: string; readonly lines: readonly string[] }
  /** One complete command line the client wrote, CRLF included. */
  | { readonly type: 'clientLine'; readonly line: Buffer }
  /** One complete response from the server: a line with its literals and continuation lines. */
  | { readonly type: 'serverResponse'; readonly response: Buffer };

export type LoginPipelineAction =
  /** Write these bytes to the server. */
  | { readonly type: 'send'; readonly bytes: Buffer }
  /** Hand these bytes to the client. */
  | { readonly type: 'deliver'; readonly bytes: Buffer }
  /** Part of the answer to prediction `tag` that nobody will see. */
  | { readonly type: 'drop'; readonly tag: string; readonly bytes: Buffer }
  /** Everything decided: from now on bytes pass both ways without being inspected. */
  | { readonly type: 'passThrough' }
  /** The connection cannot go on (held answers over the limit, ambiguous tags). */
  | { readonly type: 'fail'; readonly error: Error };

export interface LoginPipelineStep {
  readonly state: LoginPipelineState;
  readonly actions: readonly LoginPipelineAction[];
}

export function initialLoginPipeline(options: { maxHeldBytes?: number } = {}): LoginPipelineState {
  return {
    phase: 'armed',
    planned: [],
    trigger: null,
    loginTag: null,
    predictions: [],
    answering: -1,
    writesThrough: false,
    heldBytes: 0,
    maxHeldBytes: options.maxHeldBytes ?? MAX_RESPONSE_BYTES,
  };
}

/** Whether the client's writes must still be split into lines and fed as `clientLine`. */
export function inspectsWrites(state: LoginPipelineState): boolean {
  return state.phase !== 'through' && !state.writesThrough;
}

/** The next state and what to do, for one event. Never throws; never mutates `state`. */
export function stepLoginPipeline(state: LoginPipelineState, event: LoginPipelineEvent): LoginPipelineStep {
  switch (event.type) {
    case 'planned':
      return {
        state: state.phase === 'armed' ? { ...state, planned: usable(event.lines) } : state,
        actions: [],
      };
    case 'plannedAfter':
      return { state: plannedAfter(state, event.trigger, usable(event.lines)), actions: [] };
    case 'clientLine':
      if (state.phase === 'armed' && state.trigger !== null) return triggerClientLine(state, event.line);
      if (state.phase === 'armed') return armedClientLine(state, event.line);
      if (state.phase === 'through' || state.writesThrough) return send(state, event.line);
      return settle(pipelinedClientLine(state, event.line));
    case 'serverResponse':
      if (state.phase !== 'pipelined')
        return { state, actions: [{ type: 'deliver', bytes: event.response }] };
      return settle(pipelinedResponse(state, event.response));
  }
}

/** Arms a settled pipeline again, for the next command of a kept connection. */
function plannedAfter(state: LoginPipelineState, trigger: string, lines: string[]): LoginPipelineState {
  if (state.phase !== 'through' || state.writesThrough || lines.length === 0) return state;
  if (/[\r\n]/.test(trigger) || trigger.length === 0 || LITERAL_AT_END.test(`${trigger}\r\n`)) return state;
  return {
    ...state,
    phase: 'armed',
    planned: lines,
    trigger,
    loginTag: null,
    predictions: [],
    answering: -1,
    heldBytes: 0,
  };
}

/** Armed after a command other than LOGIN: pipeline only when the client writes exactly it. */
function triggerClientLine(state: LoginPipelineState, line: Buffer): LoginPipelineStep {
  const tag = tagOf(line);
  const text = line.toString('latin1');
  const through = { ...state, phase: 'through' as const, planned: [], trigger: null };
  if (tag.length === 0 || text !== `${tag} ${state.trigger}\r\n`) {
    return { state: through, actions: [{ type: 'send', bytes: line }] };
  }
  return pipelineWith(state, line, tag);
}

/** The planned lines up to the first that could not travel as one line. */
function usable(lines: readonly string[]): string[] {
  const end = lines.findIndex((line) => /[\r\n]/.test(line) || line.length === 0);
  return lines.slice(0, end === -1 ? lines.length : end);
}

function send(state: LoginPipelineState, line: Buffer): LoginPipelineStep {
  return { state, actions: [{ type: 'send', bytes: line }] };
}

function armedClientLine(state: LoginPipelineState, line: Buffer): LoginPipelineStep {
  const text = line.toString('latin1');
  const login = LOGIN_LINE.exec(text);
  if (!login && !AUTHENTICATE_LINE.test(text)) return send(state, line);
  if (!login || state.planned.length === 0 || LITERAL_AT_END.test(text)) {
    return {
      state: { ...state, phase: 'through', planned: [] },
      actions: [{ type: 'send', bytes: line }, { type: 'passThrough' }],
    };
  }
  return pipelineWith(state, line, login[1]!);
}

/** Sends `line` (tagged `loginTag`) and the planned lines after it, in one write. */
function pipelineWith(state: LoginPipelineState, line: Buffer, loginTag: string): LoginPipelineStep {
  const prefix = tagPrefixAvoiding(loginTag);
  const predictions: Prediction[] = state.planned.map((command, i) => ({
    tag: `${prefix}${i + 1}`,
    command: `${command}\r\n`,
    claimedAs: null,
    held: [],
    dropped: false,
  }));
  const lines = predictions.map((p) => Buffer.from(`${p.tag} ${p.command}`, 'latin1'));
  return {
    state: { ...state, phase: 'pipelined', planned: [], trigger: null, loginTag, predictions, answering: -1 },
    actions: [{ type: 'send', bytes: Buffer.concat([line, ...lines]) }],
  };
}

/** Our tags never equal the LOGIN's, whatever its case: a prefix LOGIN's tag does not start with. */
function tagPrefixAvoiding(loginTag: string): string {
  let prefix = TAG_PREFIX;
  while (loginTag.toLowerCase().startsWith(prefix)) prefix += 'p';
  return prefix;
}

function pipelinedClientLine(state: LoginPipelineState, line: Buffer): LoginPipelineStep {
  const text = line.toString('latin1');
  const tag = tagOf(line);
  const rest = text.slice(tag.length + 1);
  const at = state.predictions.findIndex((p) => p.claimedAs === null && !p.dropped);
  const next = at === -1 ? undefined : state.predictions[at];
  if (next && rest === next.command) return claim(state, at, tag);
  const word = (rest.split(' ', 1)[0] ?? '').replace('\r\n', '').toUpperCase();
  const neutral = next !== undefined && NEUTRAL.has(word) && !LITERAL_AT_END.test(text);
  // Two commands in flight under one tag: their answers could not be told apart.
  if (state.predictions.some((p) => p.tag === tag && !isAnswered(state, p))) {
    return fail(state, new Error(`IMAP client tag ${tag} collides with a pipelined command's`));
  }
  if (neutral) return send(state, line);
  const dropped = dropUnclaimed(state);
  return {
    state: { ...dropped.state, writesThrough: true },
    actions: [...dropped.actions, { type: 'send', bytes: line }],
  };
}

function isAnswered(state: LoginPipelineState, prediction: Prediction): boolean {
  return state.predictions.indexOf(prediction) < state.answering;
}

/** The client wrote the next predicted command: swallow it, deliver what is held under its tag. */
function claim(state: LoginPipelineState, at: number, tag: string): LoginPipelineStep {
  const prediction = { ...state.predictions[at]!, claimedAs: tag };
  const actions: LoginPipelineAction[] = prediction.held.map((bytes) => ({
    type: 'deliver',
    bytes: retag(prediction, bytes),
  }));
  const released = prediction.held.reduce((sum, bytes) => sum + bytes.length, 0);
  return {
    state: {
      ...state,
      predictions: replace(state.predictions, at, { ...prediction, held: [] }),
      heldBytes: state.heldBytes - released,
    },
    actions,
  };
}

function pipelinedResponse(state: LoginPipelineState, response: Buffer): LoginPipelineStep {
  const tag = tagOf(response);
  const deliver: LoginPipelineAction = { type: 'deliver', bytes: response };
  if (state.answering === -1) {
    if (tag !== state.loginTag) return { state, actions: [deliver] };
    // After a refused LOGIN the server answered the rest as unauthenticated: nobody may see that.
    const next = statusOf(response) === 'OK' ? { state, actions: [] } : dropUnclaimed(state);
    return { state: { ...next.state, answering: 0 }, actions: [deliver, ...next.actions] };
  }
  // Every prediction answered: what follows answers commands the client sent itself.
  if (state.answering >= state.predictions.length) return { state, actions: [deliver] };
  // A tagged completion of the client's own command (a server may answer CAPABILITY
  // alongside our EXAMINE, RFC 9051 §5.5) is not ours to hold.
  if (tag !== '*' && tag !== '+' && !state.predictions.some((p) => p.tag === tag)) {
    return { state, actions: [deliver] };
  }
  const at = state.answering;
  const prediction = state.predictions[at]!;
  const answering = tag === prediction.tag ? at + 1 : at;
  if (prediction.dropped) {
    return {
      state: { ...state, answering },
      actions: [{ type: 'drop', tag: prediction.tag, bytes: response }],
    };
  }
  if (prediction.claimedAs !== null) {
    return {
      state: { ...state, answering },
      actions: [{ type: 'deliver', bytes: retag(prediction, response) }],
    };
  }
  const heldBytes = state.heldBytes + response.length;
  if (heldBytes > state.maxHeldBytes) {
    return fail(state, new WireLimitError('ResponseTooLarge', 'held IMAP answers over the response limit'));
  }
  const held = { ...prediction, held: [...prediction.held, response] };
  return {
    state: { ...state, answering, heldBytes, predictions: replace(state.predictions, at, held) },
    actions: [],
  };
}

/** Once every prediction was answered and nothing is held, stop inspecting. */
function settle(step: LoginPipelineStep): LoginPipelineStep {
  const { state } = step;
  if (step.actions.some((action) => action.type === 'fail')) return step;
  if (state.phase !== 'pipelined' || state.answering < state.predictions.length) return step;
  if (state.predictions.some((p) => p.held.length > 0)) return step;
  return { state: { ...state, phase: 'through' }, actions: [...step.actions, { type: 'passThrough' }] };
}

/** Drops the held answers of every prediction the client has not claimed; their rest is dropped as it comes. */
function dropUnclaimed(state: LoginPipelineState): LoginPipelineStep {
  const actions: LoginPipelineAction[] = [];
  let released = 0;
  const predictions = state.predictions.map((p) => {
    if (p.claimedAs !== null) return p;
    for (const bytes of p.held) {
      released += bytes.length;
      actions.push({ type: 'drop', tag: p.tag, bytes });
    }
    return { ...p, held: [], dropped: true };
  });
  return { state: { ...state, predictions, heldBytes: state.heldBytes - released }, actions };
}

function fail(state: LoginPipelineState, error: Error): LoginPipelineStep {
  return { state, actions: [{ type: 'fail', error }] };
}

function retag(prediction: Prediction, response: Buffer): Buffer {
  if (prediction.claimedAs === null || tagOf(response) !== prediction.tag) return response;
  return Buffer.concat([
    Buffer.from(prediction.claimedAs, 'latin1'),
    response.subarray(prediction.tag.length),
  ]);
}

function replace<T>(items: readonly T[], at: number, item: T): T[] {
  return items.map((existing, i) => (i === at ? item : existing));
}
