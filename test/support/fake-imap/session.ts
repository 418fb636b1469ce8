import type { Socket } from 'node:net';
import {
  type FakeImapArg,
  type FakeImapCommand,
  type FakeImapOptions,
  type FakeImapSession,
  type FakeImapState,
  type FakeMailbox,
  newFakeMailbox,
} from './options.js';
import { answerInSelected } from './selected.js';
import { CommandReader, listPattern, quote, type ReceivedCommand, textOf, tokenize } from './wire.js';

const SYSTEM_FLAGS = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';

/**
 * One IMAP session on an accepted socket: enough of RFC 9051 for imapflow's
 * session setup and the gateway's write path (LOGIN, LIST, LSUB, STATUS,
 * SELECT/EXAMINE, CREATE, DELETE, RENAME, (UN)SUBSCRIBE, APPEND, UID
 * COPY/MOVE/SEARCH/FETCH/STORE/EXPUNGE). Every refusal is a plain `NO`
 * without a response code, worded as `config` says: the kind of answer
 * servers that ignore RFC 5530 give.
 */
export function serveFakeImapSession(
  socket: Socket,
  config: FakeImapOptions,
  state: FakeImapState,
  log: FakeImapCommand[],
): FakeImapSession {
  let markClosed: () => void = () => {};
  const session: FakeImapSession = {
    commands: [],
    closed: new Promise<void>((resolve) => {
      markClosed = resolve;
    }),
  };
  socket.on('close', () => markClosed());
  socket.on('error', () => {});
  let authenticated = false;
  let selected: string | null = null;
  const capabilities = config.capabilities.join(' ');
  const send = (...lines: string[]) => {
    if (!socket.destroyed) socket.write(lines.map((line) => `${line}\r\n`).join(''));
  };
  const mailboxOf = (arg: FakeImapArg | undefined): [string, FakeMailbox] | null => {
    const name = state.find(textOf(arg));
    const mailbox = name === null ? undefined : state.mailboxes.get(name);
    return name !== null && mailbox ? [name, mailbox] : null;
  };
  const hasChildren = (name: string) =>
    [...state.mailboxes.keys()].some((other) => other.startsWith(`${name}${config.delimiter}`));

  const handle = (received: ReceivedCommand) => {
    const [tag = '*', rawVerb = '', ...rest] = tokenize(received);
    let verb = textOf(rawVerb).toUpperCase();
    let args = rest;
    if (verb === 'UID') {
      verb = `UID ${textOf(args[0]).toUpperCase()}`;
      args = args.slice(1);
    }
    const command: FakeImapCommand = {
      tag: textOf(tag),
      verb,
      args,
      line: received.text.replace(/\0(\d+)/g, (_, index: string) => {
        return `{${received.literals[Number(index)]?.length ?? 0}}`;
      }),
    };
    session.commands.push(command);
    log.push(command);
    config.onCommand?.(command, state);
    const ok = (text = `${verb} completed`) => send(`${command.tag} OK ${text}`);
    const no = (text: string) => send(`${command.tag} NO ${text}`);

    if (verb === 'CAPABILITY') return send(`* CAPABILITY ${capabilities}`, `${command.tag} OK done`);
    if (verb === 'NOOP') return ok();
    if (verb === 'LOGOUT') {
      send('* BYE logging out', `${command.tag} OK bye`);
      socket.end();
      return;
    }
    if (verb === 'LOGIN') {
      if (textOf(args[0]) !== config.user || textOf(args[1]) !== config.password) {
        return no('[AUTHENTICATIONFAILED] Authentication failed.');
      }
      authenticated = true;
      return ok(`[CAPABILITY ${capabilities}] Logged in`);
    }
    if (!authenticated) return send(`${command.tag} BAD log in first`);
    const refusal = config.refuse[verb];
    if (refusal !== undefined) return no(refusal);
    const missing = () => no(config.missingText);

    switch (verb) {
      case 'LIST':
      case 'LSUB': {
        const pattern = listPattern(textOf(args[1]), config.delimiter, config.foldCase);
        // INBOX matches in any case (RFC 9051 §5.1).
        const inbox = listPattern(textOf(args[1]), config.delimiter, true);
        for (const [name, mailbox] of state.mailboxes) {
          if (!(name === 'INBOX' ? inbox : pattern).test(name)) continue;
          if (verb === 'LSUB' && !state.subscribed.has(name)) continue;
          const flags = [hasChildren(name) ? '\\HasChildren' : '\\HasNoChildren'];
          if (mailbox.noselect) flags.unshift('\\Noselect');
          send(`* ${verb} (${flags.join(' ')}) ${quote(config.delimiter)} ${quote(name)}`);
        }
        return ok();
      }
      case 'STATUS': {
        const found = mailboxOf(args[0]);
        if (!found || found[1].noselect) return missing();
        const [name, mailbox] = found;
        const values: Record<string, number> = {
          MESSAGES: mailbox.messages.length,
          UIDNEXT: mailbox.uidNext,
          UIDVALIDITY: mailbox.uidValidity,
          UNSEEN: mailbox.messages.filter((m) => !m.flags.includes('\\Seen')).length,
          RECENT: 0,
        };
        const items = (Array.isArray(args[1]) ? args[1] : []).map((item) => textOf(item).toUpperCase());
        const answer = items.filter((item) => item in values).map((item) => `${item} ${values[item]}`);
        return send(`* STATUS ${quote(name)} (${answer.join(' ')})`, `${command.tag} OK STATUS completed`);
      }
      case 'SELECT':
      case 'EXAMINE': {
        selected = null;
        const found = mailboxOf(args[0]);
        if (!found || found[1].noselect) return missing();
        const [name, mailbox] = found;
        selected = name;
        return send(
          `* FLAGS (${SYSTEM_FLAGS})`,
          `* OK [PERMANENTFLAGS (${SYSTEM_FLAGS} \\*)] Flags permitted.`,
          `* ${mailbox.messages.length} EXISTS`,
          '* 0 RECENT',
          `* OK [UIDVALIDITY ${mailbox.uidValidity}] UIDs valid`,
          `* OK [UIDNEXT ${mailbox.uidNext}] Predicted next UID`,
          `${command.tag} OK [${verb === 'SELECT' ? 'READ-WRITE' : 'READ-ONLY'}] ${verb} completed`,
        );
      }
      case 'UNSELECT':
      case 'CLOSE':
        selected = null;
        return ok();
      case 'CREATE': {
        const name = textOf(args[0]).replace(new RegExp(`${escapeRegex(config.delimiter)}$`), '');
        if (state.find(name) !== null) return no(config.existsText);
        state.mailboxes.set(name, newFakeMailbox());
        return ok();
      }
      case 'DELETE': {
        const found = mailboxOf(args[0]);
        if (!found) return missing();
        if (found[0] === 'INBOX') return no('Cannot delete this mailbox');
        state.mailboxes.delete(found[0]);
        state.subscribed.delete(found[0]);
        return ok();
      }
      case 'RENAME': {
        const found = mailboxOf(args[0]);
        if (!found) return missing();
        const target = textOf(args[1]);
        const existing = state.find(target);
        if (existing !== null && existing !== found[0]) return no(config.existsText);
        const [name] = found;
        for (const [other, mailbox] of [...state.mailboxes]) {
          if (other !== name && !other.startsWith(`${name}${config.delimiter}`)) continue;
          state.mailboxes.delete(other);
          state.mailboxes.set(`${target}${other.slice(name.length)}`, mailbox);
        }
        return ok();
      }
      case 'SUBSCRIBE':
        state.subscribed.add(textOf(args[0]));
        return ok();
      case 'UNSUBSCRIBE':
        state.subscribed.delete(textOf(args[0]));
        return ok();
      case 'APPEND': {
        const found = mailboxOf(args[0]);
        if (!found || found[1].noselect) return missing();
        const [, mailbox] = found;
        const raw = args.at(-1);
        const flags = Array.isArray(args[1]) ? args[1].map((flag) => textOf(flag)) : [];
        const uid = mailbox.uidNext++;
        mailbox.messages.push({ uid, flags, raw: Buffer.isBuffer(raw) ? raw : Buffer.from(textOf(raw)) });
        return ok(`[APPENDUID ${mailbox.uidValidity} ${uid}] APPEND completed`);
      }
    }

    const current = selected === null ? undefined : state.mailboxes.get(selected);
    if (!current) return send(`${command.tag} BAD no mailbox selected`);
    return answerInSelected(command, current, (arg) => mailboxOf(arg)?.[1] ?? null, {
      send,
      ok,
      missing,
    });
  };

  const reader = new CommandReader(handle, () => send('+ go ahead'));
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  send(`* OK [CAPABILITY ${capabilities}] fake IMAP ready`);
  return session;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
