import type { FakeImapArg } from './options.js';

/** RFC 9051 §4.3: `{n}` (synchronizing) or `{n+}` (LITERAL+, RFC 7888) at the end of a line. */
const LITERAL_AT_END = /\{(\d+)(\+?)\}$/;
/** Marks where a literal stood in a command's text: NUL never occurs in an IMAP command line. */
const PLACEHOLDER = '\0';

export interface ReceivedCommand {
  /** The command's text, each literal replaced by PLACEHOLDER + its index. */
  text: string;
  literals: Buffer[];
}

/**
 * Cuts the client's byte stream into commands, literals included: a line
 * ending in `{n}` asks for a continuation (`onContinue`) and is followed by
 * n bytes and the rest of the command; `{n+}` needs no continuation.
 */
export class CommandReader {
  #buffer = Buffer.alloc(0);
  #text = '';
  #literals: Buffer[] = [];
  #literalLeft = -1;

  constructor(
    private readonly onCommand: (command: ReceivedCommand) => void,
    private readonly onContinue: () => void,
  ) {}

  push(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      if (this.#literalLeft >= 0) {
        if (this.#buffer.length < this.#literalLeft) return;
        this.#literals.push(this.#buffer.subarray(0, this.#literalLeft));
        this.#text += `${PLACEHOLDER}${this.#literals.length - 1}`;
        this.#buffer = this.#buffer.subarray(this.#literalLeft);
        this.#literalLeft = -1;
        continue;
      }
      const end = this.#buffer.indexOf('\r\n');
      if (end === -1) return;
      const line = this.#buffer.subarray(0, end).toString('utf8');
      this.#buffer = this.#buffer.subarray(end + 2);
      const literal = LITERAL_AT_END.exec(line);
      if (literal) {
        this.#text += line.slice(0, literal.index);
        this.#literalLeft = Number(literal[1]);
        if (literal[2] !== '+') this.onContinue();
        continue;
      }
      const command = { text: this.#text + line, literals: this.#literals };
      this.#text = '';
      this.#literals = [];
      this.onCommand(command);
    }
  }
}

/** Splits a command's text into atoms, quoted strings, literals and parenthesised lists. */
export function tokenize(command: ReceivedCommand): FakeImapArg[] {
  const { text, literals } = command;
  let at = 0;
  const list = (closing: string | null): FakeImapArg[] => {
    const out: FakeImapArg[] = [];
    while (at < text.length) {
      const char = text[at]!;
      if (char === ' ') {
        at++;
      } else if (char === ')' && closing === ')') {
        at++;
        return out;
      } else if (char === '(') {
        at++;
        out.push(list(')'));
      } else if (char === '"') {
        let value = '';
        at++;
        while (at < text.length && text[at] !== '"') {
          if (text[at] === '\\') at++;
          value += text[at] ?? '';
          at++;
        }
        at++;
        out.push(value);
      } else if (char === PLACEHOLDER) {
        const digits = /^\d+/.exec(text.slice(at + 1))?.[0] ?? '';
        at += 1 + digits.length;
        out.push(literals[Number(digits)] ?? Buffer.alloc(0));
      } else {
        const atom = /^[^ ()"\0]+/.exec(text.slice(at))?.[0] ?? char;
        at += atom.length;
        out.push(atom);
      }
    }
    return out;
  };
  return list(null);
}

/** An argument as text (a literal decoded as UTF-8, a list as empty). */
export function textOf(arg: FakeImapArg | undefined): string {
  if (arg === undefined || Array.isArray(arg)) return '';
  return typeof arg === 'string' ? arg : arg.toString('utf8');
}

/** A mailbox name or other string as an IMAP quoted string. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** A LIST pattern (`*` anything, `%` anything but the delimiter) as a regular expression. */
export function listPattern(pattern: string, delimiter: string, ignoreCase: boolean): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const notDelimiter = `[^${delimiter.replace(/[\\\]^-]/g, '\\$&')}]*`;
  const source = escaped.replace(/\*/g, '.*').replace(/%/g, notDelimiter);
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '');
}

/** Expands a UID set (`1:3,7`, `5:*`) against the UIDs that exist. */
export function uidsIn(set: string, existing: readonly number[]): number[] {
  const max = Math.max(0, ...existing);
  const wanted = new Set<number>();
  for (const part of set.split(',')) {
    const [from = '', to = from] = part.split(':');
    const a = from === '*' ? max : Number(from);
    const b = to === '*' ? max : Number(to);
    for (const uid of existing) if (uid >= Math.min(a, b) && uid <= Math.max(a, b)) wanted.add(uid);
  }
  return existing.filter((uid) => wanted.has(uid));
}
