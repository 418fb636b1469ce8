import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ImapFlow } from 'imapflow';
import compiler from 'imapflow/lib/handler/imap-compiler.js';
import parser from 'imapflow/lib/handler/imap-parser.js';
import imapCommands from 'imapflow/lib/imap-commands.js';
import * as tools from 'imapflow/lib/tools.js';
import { describe, expect, it } from 'vitest';
import {
  isClosing,
  isQuiet,
  listAllCommandLine,
  openCommandLine,
  quoteSearchValues,
  responseCodeArgs,
  responseCodeOf,
  skipListBeforeSelect,
  statusCommandLine,
} from '../../../lib/imap/imapflow/index.js';

/**
 * Every part of imapflow that lib/imap/imapflow/ relies on beyond its typed
 * API, checked on an ImapFlow that never connects: an imapflow upgrade that
 * changes one fails here, by name, without a server. When one fails, read
 * the matching file in lib/imap/imapflow/ before changing the pin.
 */

const PINNED = '2.10.2';
const packageRoot = pathToFileURL(
  createRequire(import.meta.url)
    .resolve('imapflow/package.json')
    .replace(/package\.json$/, ''),
);

type Sent = { command: string; attributes: unknown; options: ExecOptions | undefined };
type ExecOptions = { untagged?: Record<string, (untagged: unknown) => unknown> };
type Internals = Record<string, unknown> & {
  exec: (command: string, attributes?: unknown, options?: ExecOptions) => Promise<unknown>;
  run: (command: string, ...args: unknown[]) => Promise<unknown>;
  states: Record<string, number>;
  state: number;
  capabilities: Map<string, boolean | number>;
};

function newClient(): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: 1, auth: { user: 'u', pass: 'p' }, logger: false });
}

function internals(client: ImapFlow): Internals {
  return client as unknown as Internals;
}

/**
 * A client whose `exec` records each command instead of sending it, answering
 * with the given untagged responses (by name) and a tagged OK.
 */
function recordingClient(
  capabilities: string[],
  state: 'AUTHENTICATED' | 'SELECTED',
  untagged: Record<string, unknown[]> = {},
) {
  const client = newClient();
  const state_ = internals(client);
  const sent: Sent[] = [];
  state_.capabilities = new Map(capabilities.map((name) => [name, true]));
  state_.state = state_.states[state]!;
  state_.exec = async (command, attributes, options) => {
    sent.push({ command, attributes, options });
    for (const [name, rows] of Object.entries(untagged)) {
      for (const row of rows) await options?.untagged?.[name]?.(row);
    }
    return { response: { tag: 'T', command: 'OK', attributes: [] }, next: () => undefined };
  };
  state_.run = async (command, ...args) => {
    sent.push({ command: `run:${command}`, attributes: args, options: undefined });
    return imapCommands.get(command)?.(client, ...args);
  };
  return { client, sent };
}

/** The line imapflow's `exec` would write for a recorded command, after the tag. */
function lineOf(sent: Sent): string {
  return compiler({ tag: 'T', command: sent.command, attributes: sent.attributes as never })
    .toString('latin1')
    .slice(2);
}

describe('imapflow version', () => {
  it(`is exactly ${PINNED} installed and pinned`, () => {
    const installed = JSON.parse(readFileSync(new URL('package.json', packageRoot), 'utf8')).version;
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(installed).toBe(PINNED);
    expect(manifest.dependencies.imapflow).toBe(PINNED);
  });
});

describe('ImapFlow instance state after construction', () => {
  const client = internals(newClient());

  it.each([
    ['requestQueue', (v: unknown) => Array.isArray(v) && v.length === 0],
    ['currentRequest', (v: unknown) => v === false],
    ['idling', (v: unknown) => v === false],
    ['_openDownloads', (v: unknown) => v === 0],
    ['currentLock', (v: unknown) => v === false],
    ['_closePending', (v: unknown) => v === false],
    ['usable', (v: unknown) => v === false],
    ['isClosed', (v: unknown) => v === false],
    ['skipLsub', (v: unknown) => v === false],
    ['folders', (v: unknown) => v instanceof Map && v.size === 0],
    ['enabled', (v: unknown) => v instanceof Set],
    ['serverInfo', (v: unknown) => v === null],
    ['clientInfo', (v: unknown) => typeof v === 'object' && v !== null && 'name' in v],
    ['states', (v: unknown) => typeof (v as { LOGOUT?: unknown }).LOGOUT === 'number'],
  ])('%s has the expected type and initial value', (field, check) => {
    expect(check(client[field]), `${field} = ${String(client[field])}`).toBe(true);
  });

  it('state starts as NOT_AUTHENTICATED, apart from LOGOUT', () => {
    expect(client.state).toBe(client.states.NOT_AUTHENTICATED);
    expect(client.state).not.toBe(client.states.LOGOUT);
  });

  it('run and exec are prototype methods, so an own wrapper can be deleted to restore them', () => {
    const prototype = ImapFlow.prototype as unknown as Internals;
    expect(typeof prototype.run).toBe('function');
    expect(typeof prototype.exec).toBe('function');
    expect(prototype.exec.length).toBe(3);
    expect(Object.hasOwn(client, 'run')).toBe(false);
    expect(Object.hasOwn(client, 'exec')).toBe(false);
  });

  it('isQuiet reads a fresh client as not usable yet, isClosing as closing', () => {
    const fresh = newClient();
    expect(isQuiet(fresh)).toBe(false);
    expect(isClosing(fresh)).toBe(true);
    internals(fresh).usable = true;
    expect(isQuiet(fresh)).toBe(true);
    expect(isClosing(fresh)).toBe(false);
  });
});

describe("imapflow's session setup", () => {
  // The ESM build, the one lib/ runs.
  const source = readFileSync(new URL('dist/esm/imap-flow.js', packageRoot), 'utf8');

  it('sends ID and NAMESPACE through this.run by those names (skipSessionPreamble)', () => {
    expect(source).toContain("this.run('ID', this.clientInfo)");
    expect(source).toContain("this.run('NAMESPACE')");
  });
});

describe('imapflow command modules run through `run`', () => {
  it('registers every command lib/imap/imapflow runs, with its arity', () => {
    const arity = Object.fromEntries(
      ['LIST', 'CLOSE', 'ENABLE', 'ID', 'NAMESPACE', 'SELECT', 'STATUS', 'SEARCH', 'FETCH'].map((name) => [
        name,
        imapCommands.get(name)?.length,
      ]),
    );
    expect(arity).toEqual({
      LIST: 4,
      CLOSE: 2,
      ENABLE: 2,
      ID: 2,
      NAMESPACE: 1,
      SELECT: 3,
      STATUS: 3,
      SEARCH: 3,
      FETCH: 4,
    });
  });

  it('CLOSE with { unselect: true } sends UNSELECT where the server has it (unselectMailbox)', async () => {
    for (const [capabilities, expected] of [
      [['UNSELECT'], 'UNSELECT'],
      [[], 'CLOSE'],
    ] as const) {
      const { client, sent } = recordingClient([...capabilities], 'SELECTED');
      await imapCommands.get('CLOSE')!(client, { unselect: true });
      expect(sent.map((s) => s.command)).toEqual([expected]);
      expect(client.mailbox).toBe(false);
    }
  });

  it('ENABLE takes a list of names and adds what the server enabled to client.enabled (enableExtensions)', async () => {
    const { client, sent } = recordingClient(['ENABLE', 'CONDSTORE'], 'AUTHENTICATED', {
      ENABLED: [{ attributes: [{ type: 'ATOM', value: 'CONDSTORE' }] }],
    });
    await imapCommands.get('ENABLE')!(client, ['CONDSTORE']);
    expect(sent.map(lineOf)).toEqual(['ENABLE CONDSTORE']);
    expect([...client.enabled]).toEqual(['CONDSTORE']);
  });

  it('ID takes the client info and leaves serverInfo set (requestServerId)', async () => {
    const { client, sent } = recordingClient(['ID'], 'AUTHENTICATED', {
      ID: [
        {
          attributes: [
            [
              { type: 'STRING', value: 'name' },
              { type: 'STRING', value: 'Dovecot' },
            ],
          ],
        },
      ],
    });
    await imapCommands.get('ID')!(client, { name: 'mailgate' });
    expect(sent.map(lineOf)).toEqual(['ID ("name" "mailgate")']);
    expect(client.serverInfo?.name).toBe('Dovecot');
  });

  it('LIST of one mailbox asks STATUS inline and skips its LSUB follow-up when skipLsub (listOneMailbox)', async () => {
    for (const skipLsub of [true, false]) {
      const { client, sent } = recordingClient(
        ['IMAP4rev1', 'LIST-EXTENDED', 'LIST-STATUS'],
        'AUTHENTICATED',
        {
          LIST: [{ attributes: [[], { type: 'STRING', value: '/' }, { type: 'ATOM', value: 'Archive' }] }],
        },
      );
      internals(client).skipLsub = skipLsub;
      const listed = await imapCommands.get('LIST')!(client, '', 'Archive', {
        statusQuery: { messages: true },
      });
      expect(Array.isArray(listed)).toBe(true);
      expect(lineOf(sent[0]!)).toContain('RETURN (STATUS (MESSAGES)');
      expect(sent.some((s) => s.command === 'LSUB')).toBe(!skipLsub);
    }
  });

  it('SELECT skips its LIST for a path in the folder cache (skipListBeforeSelect)', async () => {
    const { client, sent } = recordingClient(['IMAP4rev1'], 'AUTHENTICATED');
    skipListBeforeSelect(client, 'Archive');
    expect(internals(client).folders).toBeInstanceOf(Map);
    await imapCommands.get('SELECT')!(client, 'Archive', { readOnly: true });
    expect(sent.map((s) => s.command)).toEqual(['EXAMINE']);
  });

  it('SELECT writes the line openCommandLine predicts (pipelining), its mailbox quoted (quoteSearchValues)', async () => {
    for (const path of ['INBOX', 'Archive/2024', 'Entwürfe', 'Sent Items', '\\Seen']) {
      const { client, sent } = recordingClient(['IMAP4rev1'], 'AUTHENTICATED');
      quoteSearchValues(client);
      skipListBeforeSelect(client, path);
      await imapCommands.get('SELECT')!(client, path, { readOnly: true });
      expect(lineOf(sent[0]!)).toBe(openCommandLine(client, path, true));
    }
  });

  it('STATUS writes the line statusCommandLine predicts (pipelining), its mailbox quoted', async () => {
    const query = { messages: true, uidNext: true, uidValidity: true } as const;
    for (const path of ['Sent Items', 'Archive']) {
      const { client, sent } = recordingClient(['IMAP4rev1'], 'AUTHENTICATED');
      quoteSearchValues(client);
      await imapCommands.get('STATUS')!(client, path, query);
      const status = sent.find((s) => s.command === 'STATUS')!;
      expect(lineOf(status)).toBe(statusCommandLine(client, path, query));
      expect(lineOf(status)).toContain(`STATUS "${path}"`);
    }
  });

  it('SEARCH goes through exec as UID SEARCH with an attribute array (quoteSearchValues)', async () => {
    const { client, sent } = recordingClient(['IMAP4rev1'], 'SELECTED');
    client.mailbox = { path: 'INBOX', exists: 1 } as never;
    await imapCommands.get('SEARCH')!(client, { subject: 'x' }, { uid: true });
    expect(sent[0]?.command).toBe('UID SEARCH');
    expect(Array.isArray(sent[0]?.attributes)).toBe(true);
  });

  it('FETCH goes through exec as UID FETCH [range, query list] with a FETCH handler (fetchWithBinarySizes)', async () => {
    const { client, sent } = recordingClient(['IMAP4rev1'], 'SELECTED');
    client.mailbox = { path: 'INBOX', exists: 1 } as never;
    await imapCommands.get('FETCH')!(client, '7', { uid: true, flags: true }, { uid: true });
    const attributes = sent[0]?.attributes as unknown[];
    expect(sent[0]?.command).toBe('UID FETCH');
    expect(attributes[0]).toEqual({ type: 'SEQUENCE', value: '7' });
    expect(Array.isArray(attributes[1])).toBe(true);
    expect(typeof sent[0]?.options?.untagged?.FETCH).toBe('function');
  });
});

describe('imapflow compiler', () => {
  it('compiles a command as one buffer per literal segment (command-lines)', () => {
    const parts = compiler(
      { tag: 'T', command: 'EXAMINE', attributes: [{ type: 'ATOM', value: 'INBOX' }] },
      { asArray: true },
    );
    expect(parts.map((part) => part.toString('latin1'))).toEqual(['T EXAMINE INBOX']);
    expect(listAllCommandLine()).toBe('LIST "" "*"');
  });

  it('writes a BINARY.SIZE item with its section (fetch-extras)', () => {
    const line = compiler({
      tag: 'T',
      command: 'UID FETCH',
      attributes: [
        { type: 'SEQUENCE', value: '7' },
        [
          { type: 'ATOM', value: 'UID' },
          { type: 'ATOM', value: 'BINARY.SIZE', section: [{ type: 'ATOM', value: '2' }] },
        ],
      ],
    });
    expect(line.toString('latin1')).toBe('T UID FETCH 7 (UID BINARY.SIZE[2])');
  });
});

describe('imapflow parser', () => {
  it('keeps BINARY.SIZE[part] as one atom in a FETCH row (fetch-extras)', async () => {
    const parsed = await parser('* 1 FETCH (UID 7 BINARY.SIZE[1.2] 100)');
    expect(parsed.attributes).toEqual([
      { type: 'ATOM', value: 'FETCH' },
      [
        { type: 'ATOM', value: 'UID' },
        { type: 'ATOM', value: '7' },
        { type: 'ATOM', value: 'BINARY.SIZE[1.2]' },
        { type: 'ATOM', value: '100' },
      ],
    ]);
  });

  it('puts a LIST name third (findListedPath)', async () => {
    const parsed = await parser('* LIST (\\HasNoChildren) "/" "Sent Items"');
    expect(parsed.attributes?.[2]).toMatchObject({ value: 'Sent Items' });
  });

  it('puts a response code in the first attribute`s section (exec: responseCodeOf, responseCodeArgs)', async () => {
    const parsed = await parser('A1 OK [COPYUID 9 1:2 5:6] done');
    expect(responseCodeOf(parsed as never)).toBe('COPYUID');
    expect(responseCodeArgs(parsed as never)).toEqual(['9', '1:2', '5:6']);
  });
});

describe('imapflow tools', () => {
  it.each([
    ['normalizePath', tools.normalizePath, 3],
    ['encodePath', tools.encodePath, 2],
    ['decodePath', tools.decodePath, 2],
    ['buildStatusQueryAttributes', tools.buildStatusQueryAttributes, 2],
    ['enhanceCommandError', tools.enhanceCommandError, 1],
    ['getStatusCode', tools.getStatusCode, 1],
  ] as const)('%s is a function with the expected arity', (_name, tool, arity) => {
    expect(typeof tool).toBe('function');
    expect(tool.length).toBe(arity);
  });

  it('encode, decode and normalise paths as the command lines need', () => {
    const client = newClient();
    expect(tools.normalizePath(client, 'inbox')).toBe('INBOX');
    expect(tools.encodePath(client, 'Entwürfe')).toBe('Entw&APw-rfe');
    expect(tools.decodePath(client, 'Entw&APw-rfe')).toBe('Entwürfe');
    expect(tools.buildStatusQueryAttributes(client, { messages: true, uidNext: true })).toEqual([
      { type: 'ATOM', value: 'MESSAGES' },
      { type: 'ATOM', value: 'UIDNEXT' },
    ]);
  });

  it('enhanceCommandError copies the response code onto the error (exec: sendCommand)', async () => {
    const error = Object.assign(new Error('no'), { response: await parser('A1 NO [TRYCREATE] no such') });
    await tools.enhanceCommandError(error as never);
    expect((error as { serverResponseCode?: unknown }).serverResponseCode).toBe('TRYCREATE');
  });
});
