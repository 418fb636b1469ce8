/**
 * A small reader of the untagged `STATUS` responses a NOTIFY connection
 * receives (RFC 5465 §5.1: a change in a mailbox that is not selected is
 * told as `* STATUS <mailbox> (…)`), and of its `LIST` responses (§5.4: a
 * watched mailbox deleted or created again). It sees the same bytes imapflow reads,
 * after login, and only frames lines: imapflow keeps no handler for a
 * STATUS that no command asked for, so these lines would otherwise be lost.
 *
 * Bounded: a line is kept up to MAX_STATUS_LINE_BYTES; a longer one is
 * dropped whole and reported as a change of unknown mailbox (the caller then
 * checks every mailbox of the account, coalesced). Literals are skipped by
 * count, never buffered. A STATUS whose mailbox name comes as a literal is
 * also reported as unknown.
 */

export const MAX_STATUS_LINE_BYTES = 8 * 1024;

export interface StatusListener {
  /** A STATUS for this mailbox name, as sent on the wire (modified UTF-7, unquoted). */
  mailbox(wireName: string): void;
  /** Something changed in a mailbox the reader could not name. */
  unknown(): void;
}

const LF = 0x0a;

export class StatusReader {
  readonly #listener: StatusListener;
  #parts: Buffer[] = [];
  #length = 0;
  #overlong = false;
  /** Bytes of a literal still to skip. */
  #literal = 0;

  constructor(listener: StatusListener) {
    this.#listener = listener;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#literal > 0) {
        const skip = Math.min(this.#literal, chunk.length - offset);
        this.#literal -= skip;
        offset += skip;
        continue;
      }
      const end = chunk.indexOf(LF, offset);
      const stop = end === -1 ? chunk.length : end;
      this.#keep(chunk.subarray(offset, stop));
      if (end === -1) return;
      offset = end + 1;
      this.#endLine();
    }
  }

  #keep(piece: Buffer): void {
    if (this.#overlong || piece.length === 0) return;
    if (this.#length + piece.length > MAX_STATUS_LINE_BYTES) {
      this.#overlong = true;
      this.#parts = [];
      this.#length = 0;
      return;
    }
    this.#parts.push(Buffer.from(piece));
    this.#length += piece.length;
  }

  #endLine(): void {
    const overlong = this.#overlong;
    const line = overlong
      ? ''
      : Buffer.concat(this.#parts, this.#length).toString('latin1').replace(/\r$/, '');
    this.#parts = [];
    this.#length = 0;
    this.#overlong = false;
    if (overlong) {
      // Its end (and any literal it announced) is unknown: whatever it was, look at everything.
      this.#listener.unknown();
      return;
    }
    const literal = /\{(\d{1,10})\+?\}$/.exec(line);
    if (literal) this.#literal = Number(literal[1]);
    let rest: string | null = null;
    if (/^\* STATUS /i.test(line)) rest = line.slice('* STATUS '.length);
    else if (/^\* LIST /i.test(line)) {
      // MailboxName (RFC 5465 §5.4): `* LIST (\NonExistent) "/" Name` when a mailbox is deleted, created or renamed.
      const list = /^\* LIST \([^)]*\) (?:NIL|"(?:[^"\\]|\\.)*") /i.exec(line);
      rest = list ? line.slice(list[0].length) : '';
    } else return;
    const name = statusMailbox(rest);
    if (name === null) this.#listener.unknown();
    else this.#listener.mailbox(name);
  }
}

/** The mailbox of a STATUS response's rest (`"Foo bar" (MESSAGES 1)` or `INBOX (…)`); null when not plain. */
export function statusMailbox(rest: string): string | null {
  if (rest.startsWith('"')) {
    let name = '';
    for (let i = 1; i < rest.length; i++) {
      const c = rest[i];
      if (c === '\\') {
        const next = rest[i + 1];
        if (next !== '"' && next !== '\\') return null;
        name += next;
        i += 1;
      } else if (c === '"') {
        return name;
      } else {
        name += c;
      }
    }
    return null;
  }
  const atom = /^([^\s(){"\\]+)(?:\s|$)/.exec(rest);
  return atom ? atom[1]! : null;
}
