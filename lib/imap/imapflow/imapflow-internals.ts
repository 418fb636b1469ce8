import type { ImapFlow, ListResponse, StatusQuery } from 'imapflow';
import compiler from 'imapflow/lib/handler/imap-compiler.js';
import { buildStatusQueryAttributes, decodePath, encodePath, normalizePath } from 'imapflow/lib/tools.js';

/**
 * The places where we reach past imapflow's typed surface (checked
 * against imapflow 2.10.2), to save a round trip or to send a command it
 * has no public method for. Each degrades when the internals are not
 * there: an upgrade can cost the extra command again, or make changes and
 * wait answer unsupported_operation, never correctness.
 */

interface FolderCacheHolder {
  folders?: unknown;
}

interface CommandRunner {
  run?: (command: string, ...args: unknown[]) => Promise<unknown>;
  skipLsub?: boolean;
}

/**
 * imapflow's SELECT/EXAMINE first sends `LIST "" <path>` unless the path is
 * in its folder cache, only to copy the delimiter and special-use flags onto
 * the mailbox object, which we do not use. Entering the path in that cache
 * skips the LIST. A missing mailbox is still detected: EXAMINE fails with NO
 * and imapflow then runs its own LIST to set `mailboxMissing`.
 */
export function skipListBeforeSelect(client: ImapFlow, path: string): void {
  const cache = (client as unknown as FolderCacheHolder).folders;
  if (!(cache instanceof Map)) return;
  const key = normalizePath(client, path);
  if (!cache.has(key)) cache.set(key, { path: key, flags: new Set<string>(), listed: true });
}

/**
 * LIST of one mailbox with RETURN (SPECIAL-USE SUBSCRIBED STATUS (…)) where
 * the server has LIST-EXTENDED/LIST-STATUS (RFC 5258, RFC 5819): existence,
 * special-use attribute and counts in one command. imapflow's public `list()`
 * always lists every mailbox, so this calls the LIST command it wraps.
 * Its LSUB fallback (taken when the one listed mailbox is not subscribed) is
 * switched off for this call: callers here do not need the subscription.
 * Returns null when that command is not reachable.
 */
export async function listOneMailbox(
  client: ImapFlow,
  path: string,
  statusQuery: StatusQuery,
): Promise<ListResponse[] | null> {
  const runner = client as unknown as CommandRunner;
  if (typeof runner.run !== 'function') return null;
  const skipLsub = runner.skipLsub;
  runner.skipLsub = true;
  try {
    const result = await runner.run.call(client, 'LIST', '', path, { statusQuery });
    return Array.isArray(result) ? (result as ListResponse[]) : null;
  } finally {
    runner.skipLsub = skipLsub;
  }
}

/**
 * ENABLE (RFC 5161). imapflow only sends it from its own auto-enable at
 * login, which the session switches off to save a round trip on requests
 * that need nothing enabled. The command updates `client.enabled`; imapflow
 * drops names the server does not advertise and answers false on NO.
 */
export async function enableExtensions(client: ImapFlow, names: readonly string[]): Promise<void> {
  const runner = client as unknown as CommandRunner;
  if (typeof runner.run !== 'function') return;
  await runner.run.call(client, 'ENABLE', [...names]);
}

/**
 * Leaves the selected mailbox without expunging: UNSELECT (RFC 3691) where
 * the server has it; otherwise EXAMINE it again and CLOSE, which removes
 * nothing from a read-only selection (RFC 9051 §6.4.1). A plain CLOSE of a
 * read-write selection would expunge every \Deleted message.
 */
export async function unselectMailbox(client: ImapFlow): Promise<void> {
  const runner = client as unknown as CommandRunner;
  const mailbox = client.mailbox;
  if (!mailbox || typeof runner.run !== 'function') return;
  if (client.capabilities.has('UNSELECT')) {
    await runner.run.call(client, 'CLOSE', { unselect: true });
    return;
  }
  if (!mailbox.readOnly) await client.mailboxOpen(mailbox.path, { readOnly: true });
  await runner.run.call(client, 'CLOSE');
}

/**
 * imapflow's session setup sends ID before and after login and NAMESPACE
 * unconditionally: three round trips no request here needs (the mailbox
 * paths we open come from LIST, so no namespace prefix is ever added; ID
 * only matters to providers that require it). Until `connect()` resolves,
 * those commands answer without being sent; ID is kept when `sendId`.
 * Returns the function that ends the interception (call it once connected).
 */
export function skipSessionPreamble(client: ImapFlow, options: { sendId: boolean }): () => void {
  const runner = client as unknown as CommandRunner;
  const original = runner.run;
  if (typeof original !== 'function') return () => undefined;
  runner.run = function (this: unknown, command: string, ...args: unknown[]) {
    if (command === 'NAMESPACE' || (command === 'ID' && !options.sendId)) return Promise.resolve(undefined);
    return original.call(this, command, ...args);
  };
  return () => {
    delete runner.run;
  };
}

/** ID (RFC 2971) on demand, for the server name; leaves `client.serverInfo` set when the server answers. */
export async function requestServerId(client: ImapFlow): Promise<void> {
  const runner = client as unknown as CommandRunner & { clientInfo?: unknown };
  if (typeof runner.run !== 'function' || !client.capabilities.has('ID')) return;
  await runner.run.call(client, 'ID', runner.clientInfo);
}

/**
 * The SELECT/EXAMINE line imapflow's `mailboxOpen(path)` will write, after
 * its tag and without CRLF, built with imapflow's own path encoding and
 * command compiler so the bytes are the same. Null when the command would
 * need a literal (it could not be pipelined) or the compiler is not reachable.
 */
export function openCommandLine(client: ImapFlow, path: string, readOnly: boolean): string | null {
  const encoded = encodePath(client, normalizePath(client, path));
  const parts = compiler(
    {
      tag: 'T',
      command: readOnly ? 'EXAMINE' : 'SELECT',
      attributes: [{ type: encoded.includes('&') ? 'STRING' : 'ATOM', value: encoded }],
    },
    { asArray: true },
  ) as Buffer[];
  if (parts.length !== 1 || !parts[0]) return null;
  const line = parts[0].toString('latin1');
  return /[\r\n]|\{\d+\+?\}/.test(line) ? null : line.slice(2);
}

/** `LIST "" "*"`: every mailbox's name, with no extension asked for, so the line is the same before and after LOGIN. */
const LIST_ALL = [
  { type: 'STRING', value: '' },
  { type: 'STRING', value: '*' },
];

/** The `LIST "" "*"` line `listAllPaths` writes, after its tag and without CRLF, for pipelining with LOGIN. */
export function listAllCommandLine(): string {
  const parts = compiler({ tag: 'T', command: 'LIST', attributes: LIST_ALL }, { asArray: true }) as Buffer[];
  return (parts[0] ?? Buffer.alloc(0)).toString('latin1').slice(2);
}

interface ListExecutor {
  exec?: (
    command: string,
    attributes: unknown,
    options: { untagged: Record<string, (untagged: { attributes?: Array<{ value?: unknown }> }) => void> },
  ) => Promise<{ next: () => void }>;
}

/**
 * The path of every mailbox, decoded from modified UTF-7 and normalised as
 * imapflow's `list()` does, from one `LIST "" "*"` (imapflow's `list()`
 * chooses its LIST form from the capabilities, so its line cannot be
 * predicted before LOGIN). Null when the command is not reachable.
 */
export async function listAllPaths(client: ImapFlow): Promise<string[] | null> {
  const executor = client as unknown as ListExecutor;
  if (typeof executor.exec !== 'function') return null;
  const paths: string[] = [];
  const { next } = await executor.exec.call(client, 'LIST', LIST_ALL, {
    untagged: {
      LIST: (untagged) => {
        // * LIST (flags) "delimiter" name; a name sent as a literal arrives as a Buffer.
        const name = untagged.attributes?.[2]?.value;
        if (typeof name === 'string' || Buffer.isBuffer(name)) {
          paths.push(normalizePath(client, decodePath(client, name.toString())));
        }
      },
    },
  });
  next();
  return paths;
}

/**
 * The STATUS line imapflow's `status(path, query)` will write, after its tag
 * and without CRLF, or null when it would need a literal. Only items that do
 * not depend on capabilities learnt at login (MESSAGES, UIDNEXT,
 * UIDVALIDITY, UNSEEN) give the same bytes before and after LOGIN.
 */
export function statusCommandLine(client: ImapFlow, path: string, query: StatusQuery): string | null {
  const encoded = encodePath(client, normalizePath(client, path));
  const parts = compiler(
    {
      tag: 'T',
      command: 'STATUS',
      attributes: [
        { type: encoded.includes('&') ? 'STRING' : 'ATOM', value: encoded },
        buildStatusQueryAttributes(client, query),
      ],
    },
    { asArray: true },
  ) as Buffer[];
  if (parts.length !== 1 || !parts[0]) return null;
  const line = parts[0].toString('latin1');
  return /[\r\n]|\{\d+\+?\}/.test(line) ? null : line.slice(2);
}

interface ClientState {
  usable?: boolean;
  currentRequest?: unknown;
  requestQueue?: unknown[];
  idling?: boolean;
  _openDownloads?: number;
  currentLock?: unknown;
}

/**
 * True when imapflow has nothing in flight or queued, no IDLE, no open
 * download and no mailbox lock: the connection could serve another request.
 * False whenever a field is missing, so a changed imapflow never reuses.
 */
export function isQuiet(client: ImapFlow): boolean {
  const state = client as unknown as ClientState;
  return (
    state.usable === true &&
    state.currentRequest === false &&
    Array.isArray(state.requestQueue) &&
    state.requestQueue.length === 0 &&
    state.idling === false &&
    state._openDownloads === 0 &&
    state.currentLock === false
  );
}

interface ClosingState {
  usable?: unknown;
  isClosed?: unknown;
  _closePending?: unknown;
  state?: unknown;
  states?: { LOGOUT?: unknown };
}

/**
 * True when imapflow will not send another command: closed, or closing
 * after a BYE or an error (imapflow marks the client unusable only on a
 * later tick). True whenever a field is missing, so a changed imapflow
 * never hands a connection on.
 */
export function isClosing(client: ImapFlow): boolean {
  const state = client as unknown as ClosingState;
  return (
    state.usable !== true ||
    state.isClosed !== false ||
    state._closePending !== false ||
    state.states?.LOGOUT === undefined ||
    state.state === state.states.LOGOUT
  );
}

/** Commands that change nothing on the server, whichever mailbox is selected. */
const SELECTION_SAFE = new Set(['SELECT', 'EXAMINE', 'STATUS', 'LIST', 'LSUB', 'NOOP', 'CAPABILITY', 'ID']);

type CommandFunction = (command: string, ...args: unknown[]) => Promise<unknown>;

interface CommandEntries {
  run?: CommandFunction;
  exec?: CommandFunction;
}

/**
 * A kept connection may still have the previous request's mailbox selected,
 * and a server may end that session only after it ran the next command:
 * Dovecot, when another session deleted the selected mailbox, runs an APPEND
 * and then answers `* BYE IMAP session state is inconsistent` instead of the
 * tagged OK. Until the request selects a mailbox of its own, any command but
 * a harmless one is therefore preceded by leaving the old selection
 * (unselectMailbox), so a session the server has condemned fails on a
 * command that changed nothing, and the command itself is never sent.
 * Wraps imapflow's `run` (its methods: leaving first keeps e.g. APPEND from
 * planning for a selection about to go) and `exec` (every command, the
 * writes' sendCommand too). Returns the function that removes the guard.
 */
export function guardStaleSelection(client: ImapFlow): () => void {
  const entries = client as unknown as CommandEntries;
  const stale = client.mailbox;
  const originals = { run: entries.run, exec: entries.exec };
  if (typeof originals.run !== 'function' || typeof originals.exec !== 'function' || !stale) {
    return () => undefined;
  }
  let armed = true;
  const leaveFirst = async (command: string): Promise<void> => {
    if (!armed || client.mailbox !== stale || SELECTION_SAFE.has(command.toUpperCase())) return;
    armed = false;
    await unselectMailbox(client).catch(() => undefined);
    if (isClosing(client)) {
      throw Object.assign(new Error('The kept connection closed while leaving its old mailbox.'), {
        code: 'NoConnection',
      });
    }
  };
  const wrap = (original: CommandFunction): CommandFunction =>
    async function (this: unknown, command: string, ...args: unknown[]) {
      await leaveFirst(command);
      return original.call(this, command, ...args);
    };
  const guarded = { run: wrap(originals.run), exec: wrap(originals.exec) };
  entries.run = guarded.run;
  entries.exec = guarded.exec;
  return () => {
    armed = false;
    if (entries.run === guarded.run) entries.run = originals.run;
    if (entries.exec === guarded.exec) entries.exec = originals.exec;
  };
}

interface ImapToken {
  type?: unknown;
  value?: unknown;
  section?: unknown;
}

interface UntaggedResponse {
  attributes?: unknown;
}

interface ExecOptions {
  untagged?: Record<string, (untagged: UntaggedResponse) => unknown>;
}

interface CommandExecutor {
  exec?: (command: string, attributes: unknown[], options?: ExecOptions) => Promise<unknown>;
}

function atomValue(token: unknown): string | null {
  const value = (token as ImapToken | null)?.value;
  return typeof value === 'string' ? value : null;
}

/** `BINARY.SIZE[part] n` pairs of one untagged FETCH row of message `uid` into `sizes`. */
function readBinarySizes(untagged: UntaggedResponse, uid: number, sizes: Map<string, number>): void {
  const attributes = Array.isArray(untagged.attributes) ? untagged.attributes : [];
  const list: unknown[] = Array.isArray(attributes[1]) ? attributes[1] : [];
  const found = new Map<string, number>();
  let rowUid: number | null = null;
  for (let i = 0; i + 1 < list.length; i += 2) {
    const key = (atomValue(list[i]) ?? '').toUpperCase();
    const value = atomValue(list[i + 1]);
    if (value === null || !/^\d{1,15}$/.test(value)) continue;
    if (key === 'UID') rowUid = Number(value);
    // imapflow's tokenizer only splits a section off BODY and BINARY: this
    // key arrives as one atom `BINARY.SIZE[1.2]` (a section is read too).
    const section = (list[i] as ImapToken).section;
    const part =
      key === 'BINARY.SIZE' && Array.isArray(section) && section.length === 1
        ? atomValue(section[0])
        : (/^BINARY\.SIZE\[([^\]]*)\]$/.exec(key)?.[1] ?? null);
    if (part !== null && /^\d+(\.\d+)*$/.test(part)) found.set(part, Number(value));
  }
  if (rowUid !== uid) return;
  for (const [part, size] of found) sizes.set(part, size);
}

/**
 * Runs `fetch`, which must send one imapflow UID FETCH of message `uid`, with
 * `BINARY.SIZE[part]` (RFC 3516 §4.2) added to that command for each of
 * `parts`, and returns its result with the sizes the server reported.
 * imapflow's fetch query has no such item and its answer shaping drops it,
 * so the items are appended to the attribute list imapflow hands to `exec`
 * (once, for the first UID FETCH) and read from the raw untagged FETCH rows
 * before imapflow formats them. Sizes are only what the server stated: a part
 * it did not answer for is missing from the map. Null, with nothing sent,
 * when `exec` is not reachable; a refusal (NO/BAD) rejects as imapflow does.
 */
export async function fetchWithBinarySizes<T>(
  client: ImapFlow,
  uid: number,
  parts: readonly string[],
  fetch: () => Promise<T>,
): Promise<{ result: T; sizes: Map<string, number> } | null> {
  const executor = client as unknown as CommandExecutor;
  const original = executor.exec;
  if (typeof original !== 'function') return null;
  // Another wrapper of this client's exec (an own property) is kept and called.
  const hadOwn = Object.hasOwn(executor, 'exec');
  const sizes = new Map<string, number>();
  const items = parts.map((part) => ({
    type: 'ATOM',
    value: 'BINARY.SIZE',
    section: [{ type: 'ATOM', value: part }],
  }));
  const restore = () => {
    if (executor.exec !== wrapper) return;
    if (hadOwn) executor.exec = original;
    else delete executor.exec;
  };
  const wrapper: NonNullable<CommandExecutor['exec']> = function (
    this: unknown,
    command,
    attributes,
    options,
  ) {
    if (command !== 'UID FETCH' || !Array.isArray(attributes) || attributes.length < 2) {
      return original.call(this, command, attributes, options);
    }
    restore();
    const query = attributes[1];
    const onFetch = options?.untagged?.FETCH;
    return original.call(
      this,
      command,
      [attributes[0], [...(Array.isArray(query) ? query : [query]), ...items], ...attributes.slice(2)],
      {
        ...options,
        untagged: {
          ...options?.untagged,
          FETCH: (untagged: UntaggedResponse) => {
            readBinarySizes(untagged, uid, sizes);
            return onFetch?.(untagged);
          },
        },
      },
    );
  };
  executor.exec = wrapper;
  try {
    return { result: await fetch(), sizes };
  } finally {
    restore();
  }
}
