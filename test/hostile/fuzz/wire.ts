/**
 * What the gateway sent Dovecot, read back from Dovecot's rawlog (`.in`
 * files: every line prefixed with a timestamp, literal data included), split
 * into commands whose quoted strings and literals are set apart from the
 * bare text around them. A user value is sent safely when it is only ever
 * inside a quoted string or a literal; bare, it becomes IMAP syntax.
 */

/** One command as sent: its bare text, with each quoted string or literal replaced by `\u0001`. */
export interface SentCommand {
  bare: string;
  /** The command's start, as sent (for a report). */
  head: string;
}

const TIMESTAMP = /^\d+\.\d+ /;
const LITERAL = /^~?\{(\d+)\+?\}\r\n/;

/** The byte stream a rawlog `.in` file recorded, its timestamps removed. */
export function rawlogStream(file: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  while (start < file.length) {
    const lf = file.indexOf(0x0a, start);
    const end = lf === -1 ? file.length : lf + 1;
    const line = file.subarray(start, end);
    const prefix = TIMESTAMP.exec(line.subarray(0, 24).toString('latin1'));
    parts.push(prefix ? line.subarray(prefix[0].length) : line);
    start = end;
  }
  return Buffer.concat(parts);
}

/** Splits a client's byte stream into commands (IMAP: quoted strings, literals; continuation lines such as DONE count as commands). */
export function parseCommands(stream: Buffer): SentCommand[] {
  const text = stream.toString('utf8');
  const commands: SentCommand[] = [];
  let bare = '';
  let head = '';
  let i = 0;
  const finish = () => {
    if (bare !== '' || head !== '') commands.push({ bare, head: head.slice(0, 200) });
    bare = '';
    head = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      head += text.slice(i, j + 1);
      bare += '\u0001';
      i = j + 1;
      continue;
    }
    if (c === '{' || (c === '~' && text[i + 1] === '{')) {
      const literal = LITERAL.exec(text.slice(i, i + 40));
      if (literal) {
        // The count is in octets; the text is decoded UTF-8.
        const octets = Number(literal[1]);
        const from = i + literal[0].length;
        const data = Buffer.from(text.slice(from, from + octets), 'utf8')
          .subarray(0, octets)
          .toString('utf8');
        head += literal[0];
        bare += '\u0001';
        i = from + data.length;
        continue;
      }
    }
    if (c === '\r' && text[i + 1] === '\n') {
      finish();
      i += 2;
      continue;
    }
    bare += c;
    head += c;
    i += 1;
  }
  finish();
  return commands;
}

/**
 * The bare text a user value could hide in: without the flag lists of STORE
 * and APPEND, whose flags are atoms by the grammar (the API lets only
 * system flags and atom keywords through).
 */
export function bareTextOf(command: SentCommand): string {
  return command.bare
    .replace(/([+-]?FLAGS(\.SILENT)?) \([^)]*\)/gi, '$1 ()')
    .replace(/^(\S+ APPEND \S+) \([^)]*\)/i, '$1 ()');
}

/** Bytes no command of ours sends outside a quoted string or a literal: controls and 8-bit. */
const NEVER_BARE = /[\u0000\u0002-\u0008\u000a-\u001f\u007f-\u{10ffff}]/u;

export function hasForbiddenBareCharacter(command: SentCommand): boolean {
  return NEVER_BARE.test(command.bare);
}

const DELIMITERS = /[\s()[\]\u0001]+/;

/**
 * Finds the user values that appear in bare text. A value is checked when
 * one of its tokens is distinctive: at least 3 characters, not all digits
 * and dots (UIDs, sizes, limits and part numbers are bare by the grammar), and not part of what
 * the gateway sends of its own (`vocabulary`: the bare tokens of a benign
 * run of every route, such as `INBOX`, `Archive`, `UID`, `FETCH`).
 */
export function bareValues(
  commands: SentCommand[],
  values: Iterable<string>,
  vocabulary: Set<string>,
): { checked: number; found: Array<{ value: string; command: string }> } {
  const byToken = new Map<string, string[]>();
  for (const command of commands) {
    const bare = bareTextOf(command);
    for (const token of bare.split(DELIMITERS)) {
      if (token === '') continue;
      const list = byToken.get(token);
      if (list) list.push(bare);
      else byToken.set(token, [bare]);
    }
  }
  let checked = 0;
  const found: Array<{ value: string; command: string }> = [];
  for (const value of new Set(values)) {
    const tokens = value
      .split(DELIMITERS)
      .filter((token) => token.length >= 3 && !/^[\d.]+$/.test(token) && !isVocabulary(token, vocabulary));
    if (tokens.length === 0) continue;
    checked += 1;
    const longest = tokens.reduce((a, b) => (b.length > a.length ? b : a));
    const candidates = byToken.get(longest) ?? [];
    // A whole-token match: the token is bare in some command; the value is there if its text is too.
    const hit = candidates.find((bare) => bare.includes(value.trim()) || tokens.length === 1);
    if (hit !== undefined) found.push({ value, command: hit.slice(0, 300) });
  }
  return { checked, found };
}

function isVocabulary(token: string, vocabulary: Set<string>): boolean {
  if (vocabulary.has(token)) return true;
  for (const word of vocabulary) if (word.includes(token)) return true;
  return false;
}
