/** The fields of an imapflow command error that describe the server's answer. */
interface RefusedCommand {
  responseStatus?: unknown;
  responseText?: unknown;
  serverResponseCode?: unknown;
  executedCommand?: unknown;
}

/** Long enough for any wording servers use for a refusal; a log line is not a transcript. */
const MAX_TEXT = 200;

/**
 * A command the server refused with NO or BAD, as it goes to the log: the
 * command's name (never its arguments), the status, the response code and
 * the server's own words. It is the `cause` of the domain error a client
 * sees, whose detail stays a fixed sentence: servers word refusals freely
 * (RFC 5530 codes are optional), so the words are for whoever reads the
 * logs, never part of the API. `cause` keeps imapflow's error.
 */
export class ImapRefusal extends Error {
  readonly command: string;
  readonly status: 'NO' | 'BAD';
  readonly responseCode: string | null;
  readonly text: string;

  constructor(failure: RefusedCommand & { responseStatus: 'NO' | 'BAD' }, cause: unknown) {
    const command = commandName(failure.executedCommand);
    const responseCode = typeof failure.serverResponseCode === 'string' ? failure.serverResponseCode : null;
    const text =
      typeof failure.responseText === 'string'
        ? failure.responseText.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, MAX_TEXT)
        : '';
    const code = responseCode ? ` [${responseCode}]` : '';
    super(`${command} refused: ${failure.responseStatus}${code} ${text}`.trimEnd(), { cause });
    this.name = 'ImapRefusal';
    this.command = command;
    this.status = failure.responseStatus;
    this.responseCode = responseCode;
    this.text = text;
  }
}

/** The refusal an imapflow error carries, or null for anything else (a lost connection, a bug). */
export function refusalOf(error: unknown): ImapRefusal | null {
  if (error instanceof ImapRefusal) return error;
  if (typeof error !== 'object' || error === null) return null;
  const failure = error as RefusedCommand;
  if (failure.responseStatus !== 'NO' && failure.responseStatus !== 'BAD') return null;
  return new ImapRefusal({ ...failure, responseStatus: failure.responseStatus }, error);
}

/** `UID MOVE` from `7 UID MOVE 1:3 "Archive"`; the arguments may hold mailbox names, so they stay out. */
function commandName(executed: unknown): string {
  if (typeof executed !== 'string') return 'A command';
  const [, first = '', second = ''] = executed.split(' ');
  const name = first.toUpperCase() === 'UID' ? `UID ${second}` : first;
  return /^[A-Za-z ]{1,30}$/.test(name) ? name.toUpperCase() : 'A command';
}
