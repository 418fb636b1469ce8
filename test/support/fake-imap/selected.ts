import type { FakeImapArg, FakeImapCommand, FakeMailbox } from './options.js';
import { textOf, uidsIn } from './wire.js';

export interface FakeReply {
  send(...lines: string[]): void;
  ok(text?: string): void;
  /** The plain NO of a command naming a mailbox that is not there. */
  missing(): void;
}

/**
 * The UID commands of the selected state: COPY and MOVE (with COPYUID,
 * RFC 4315 and RFC 6851), SEARCH and FETCH of UIDs and flags, STORE and
 * EXPUNGE of exactly the UIDs named.
 */
export function answerInSelected(
  command: FakeImapCommand,
  current: FakeMailbox,
  find: (arg: FakeImapArg | undefined) => FakeMailbox | null,
  { send, ok, missing }: FakeReply,
) {
  const uids = uidsIn(
    textOf(command.args[0]),
    current.messages.map((m) => m.uid),
  );
  const seq = (uid: number) => current.messages.findIndex((m) => m.uid === uid) + 1;
  switch (command.verb) {
    case 'UID COPY':
    case 'UID MOVE': {
      const target = find(command.args[1]);
      if (!target || target.noselect) return missing();
      const copied = uids.map((uid) => {
        const message = current.messages.find((m) => m.uid === uid)!;
        const copy = { ...message, flags: [...message.flags], uid: target.uidNext++ };
        target.messages.push(copy);
        return copy.uid;
      });
      const code = copied.length
        ? `[COPYUID ${target.uidValidity} ${uids.join(',')} ${copied.join(',')}] `
        : '';
      if (command.verb === 'UID COPY') return ok(`${code}COPY completed`);
      send(`* OK ${code}Moved`);
      for (const uid of [...uids].reverse()) {
        send(`* ${seq(uid)} EXPUNGE`);
        current.messages.splice(seq(uid) - 1, 1);
      }
      return ok('MOVE completed');
    }
    case 'UID SEARCH':
      return send(`* SEARCH ${uids.join(' ')}`.trimEnd(), `${command.tag} OK SEARCH completed`);
    case 'UID FETCH':
      for (const uid of uids) {
        const message = current.messages.find((m) => m.uid === uid)!;
        send(`* ${seq(uid)} FETCH (UID ${uid} FLAGS (${message.flags.join(' ')}))`);
      }
      return ok();
    case 'UID STORE': {
      const operation = textOf(command.args[1]).toUpperCase();
      const flags = Array.isArray(command.args[2]) ? command.args[2].map((flag) => textOf(flag)) : [];
      for (const uid of uids) {
        const message = current.messages.find((m) => m.uid === uid)!;
        if (operation.startsWith('+')) message.flags = [...new Set([...message.flags, ...flags])];
        else if (operation.startsWith('-')) message.flags = message.flags.filter((f) => !flags.includes(f));
        else message.flags = flags;
        if (!operation.endsWith('.SILENT'))
          send(`* ${seq(uid)} FETCH (UID ${uid} FLAGS (${message.flags.join(' ')}))`);
      }
      return ok();
    }
    case 'UID EXPUNGE':
      for (const uid of [...uids].reverse()) {
        const message = current.messages.find((m) => m.uid === uid)!;
        if (!message.flags.includes('\\Deleted')) continue;
        send(`* ${seq(uid)} EXPUNGE`);
        current.messages.splice(seq(uid) - 1, 1);
      }
      return ok();
    default:
      return send(`${command.tag} BAD unknown command`);
  }
}
