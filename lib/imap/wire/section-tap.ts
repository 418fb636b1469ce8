import { Readable } from 'node:stream';
import { announcedLiteral, statusOf, tagOf } from './response-scanner.js';
import { MAX_LINE_BYTES, MAX_LITERAL_BYTES, WireLimitError } from './wire-limits.js';

const CR = 0x0d;
const LF = 0x0a;

/**
 * Section bytes a tap keeps for a reader that has not taken them; past this
 * the socket stops reading, so TCP holds the server back (a slow reader
 * never makes the gateway buffer the download).
 */
export const TAP_HIGH_WATER_BYTES = 256 * 1024;

/** The one FETCH a tap sends: `UID FETCH uid (UID BODY.PEEK[section]<origin.length>)`. */
export interface SectionTapRequest {
  /** Its tag: never one imapflow uses (imapflow's are upper-case hex numbers). */
  tag: string;
  uid: number;
  /** '' for the whole message, else a part specifier ('2.1'). */
  section: string;
  origin: number;
  length: number;
}

/** The server answered the section NIL: the message was expunged meanwhile. */
export class SectionGoneError extends Error {
  constructor() {
    super('the server answered the section NIL');
    this.name = 'SectionGoneError';
  }
}

type Stage = 'armed' | 'before' | 'ours' | 'done';

/**
 * One partial FETCH sent in the flight of the FETCH imapflow is about to
 * write, whose literal is streamed to `body` instead of reaching imapflow:
 * a download's rest travels with its first window (no round trip more) and
 * is never held whole (imapflow buffers a literal whole).
 *
 * Pure bytes: the socket hands it what the server sends once the two
 * commands are out (`take`), and it returns what imapflow must still see:
 * every response that does not answer the tap's command, passed on as
 * it comes, literals too; the tap's untagged FETCH and tagged completion
 * are swallowed. A server may run the two FETCHes at once (Dovecot does,
 * RFC 9051 §5.5), so the tap's FETCH is told by its section and origin
 * (`BODY[2]<1048576>`, never imapflow's `<0>`), by its section alone only
 * after the lead's tagged completion.
 */
export class SectionTap {
  readonly request: SectionTapRequest;
  /** The section's bytes after `origin`; ends at the tap's tagged OK, fails on anything else. */
  readonly body: Readable;
  #stage: Stage = 'armed';
  #leadTag: string | null = null;
  /** The lead's untagged FETCH has been passed on whole. */
  #leadAnswered = false;
  /** imapflow was handed the lead's completion early: the server's, still to come, is swallowed. */
  #leadOwed = false;
  /** The tap's tagged completion has been read (its status), or null. */
  #ourStatus: string | null = null;
  /** Pieces of the line being read, its CRLF not seen yet. */
  #line: Buffer[] = [];
  #lineBytes = 0;
  #literalLeft = 0;
  #literalTo: 'client' | 'body' | 'drop' = 'client';
  /** Who the response being read belongs to; null between responses. */
  #owner: 'client' | 'ours' | null = null;
  #responseTag = '';
  /** The response being read is an untagged FETCH. */
  #responseIsFetch = false;
  #started = false;
  #gone = false;
  #diverted = 0;
  #full = false;
  /** The section's item in a FETCH response (`BODY[2]`), with the origin the server echoes as group 1. */
  readonly #key: string;
  readonly #onDrain: () => void;

  constructor(request: SectionTapRequest, onDrain: () => void) {
    this.request = request;
    this.#onDrain = onDrain;
    const section = request.section.replace(/\./g, '\\.');
    this.#key = `BODY\\[${section}\\](<\\d+>)?`;
    this.body = new Readable({
      highWaterMark: TAP_HIGH_WATER_BYTES,
      read: () => {
        if (!this.#full) return;
        this.#full = false;
        this.#onDrain();
      },
    });
    // A failure reaches a reader through its iteration; with none (the download never began), it is dropped.
    this.body.on('error', () => undefined);
  }

  /** The command line to send after the lead's. */
  get line(): Buffer {
    const { tag, uid, section, origin, length } = this.request;
    return Buffer.from(
      `${tag} UID FETCH ${uid} (UID BODY.PEEK[${section}]<${origin}.${length}>)\r\n`,
      'latin1',
    );
  }

  /** Not sent yet: imapflow has not written its FETCH. */
  get armed(): boolean {
    return this.#stage === 'armed';
  }

  /** The tap's tagged completion has been read: the socket passes everything on again. */
  get done(): boolean {
    return this.#stage === 'done';
  }

  /** The reader holds TAP_HIGH_WATER_BYTES or more: stop reading the socket until `onDrain`. */
  get full(): boolean {
    // Until imapflow has its completion the reader cannot start: holding back then would wait forever.
    return this.#full && this.#stage !== 'before';
  }

  /** Section bytes read off the socket so far (taken by the reader or not). */
  get diverted(): number {
    return this.#diverted;
  }

  /** The commands are out: imapflow's, tagged `leadTag`, then the tap's. */
  lead(leadTag: string): void {
    this.#leadTag = leadTag;
    this.#stage = 'before';
  }

  /** The connection ended or failed: the body fails unless it had ended. */
  abort(error: Error): void {
    if (this.#stage === 'done') return;
    this.#stage = 'done';
    if (!this.body.destroyed) this.body.destroy(error);
  }

  /**
   * Takes bytes from the server; returns those imapflow must see, in order.
   * Once `done`, the rest of the chunk is returned as it is.
   * @throws WireLimitError for a line over MAX_LINE_BYTES or a literal of imapflow's over MAX_LITERAL_BYTES
   */
  take(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.#stage === 'done') {
        out.push(chunk.subarray(at));
        break;
      }
      if (this.#literalLeft > 0) {
        const piece = chunk.subarray(at, at + Math.min(this.#literalLeft, chunk.length - at));
        this.#literalLeft -= piece.length;
        at += piece.length;
        if (this.#literalTo === 'client') out.push(piece);
        else if (this.#literalTo === 'body') this.#toBody(piece);
        continue;
      }
      const lf = chunk.indexOf(LF, at);
      const end = lf === -1 ? chunk.length : lf + 1;
      this.#addToLine(chunk.subarray(at, end));
      at = end;
      if (lf === -1 || !this.#lineEndsWithCrlf()) continue;
      const line = this.#line.length === 1 ? this.#line[0]! : Buffer.concat(this.#line, this.#lineBytes);
      this.#line = [];
      this.#lineBytes = 0;
      this.#onLine(line, out);
    }
    return out;
  }

  #onLine(line: Buffer, out: Buffer[]): void {
    if (this.#owner === null) {
      this.#responseTag = tagOf(line);
      this.#responseIsFetch = /^\* \d+ FETCH /i.test(line.subarray(0, 32).toString('latin1'));
      this.#owner = this.#isOurs(line) ? 'ours' : 'client';
    }
    if (this.#owner === 'client') {
      out.push(line);
      const literal = announcedLiteral(line, MAX_LITERAL_BYTES);
      if (literal !== null) {
        this.#literalLeft = literal;
        this.#literalTo = 'client';
        return;
      }
      this.#owner = null;
      if (this.#stage !== 'before') return;
      if (this.#responseTag === this.#leadTag) this.#stage = 'ours';
      else if (this.#responseIsFetch) this.#leadAnswered = true;
      return;
    }
    if (this.#responseTag === this.#leadTag) {
      // The server's completion of the lead, already handed to imapflow.
      this.#owner = null;
      this.#leadOwed = false;
      this.#settle();
      return;
    }
    if (this.#responseTag === this.request.tag) {
      this.#owner = null;
      this.#ourStatus = statusOf(line);
      this.#settle();
      return;
    }
    if (this.#stage === 'before' && this.#leadAnswered) {
      // Dovecot runs both FETCHes at once and completes the lead only after the tap's whole
      // literal: imapflow gets the lead's completion now (its answer is all here), so the
      // download can start and be read at the reader's pace instead of waiting behind itself.
      out.push(Buffer.from(`${this.#leadTag} OK Fetch completed\r\n`, 'latin1'));
      this.#leadOwed = true;
      this.#stage = 'ours';
    }
    // The tap's untagged FETCH: the section's literal goes to the body, any other is dropped.
    const literal = announcedLiteral(line, Number.POSITIVE_INFINITY);
    if (literal !== null) {
      const ours = !this.#started && this.#announcesSection(line);
      if (!ours && literal > MAX_LITERAL_BYTES) {
        throw new WireLimitError(
          'LiteralTooLarge',
          `IMAP literal of ${literal} bytes exceeds ${MAX_LITERAL_BYTES}`,
        );
      }
      this.#started ||= ours;
      this.#literalLeft = literal;
      this.#literalTo = ours ? 'body' : 'drop';
      return;
    }
    if (!this.#started && this.#sectionValue(line.toString('latin1')) === 'NIL') this.#gone = true;
    this.#owner = null;
  }

  /** The start of a response that answers the tap's command: its tagged completion or its FETCH. */
  #isOurs(line: Buffer): boolean {
    if (this.#responseTag === this.request.tag) return true;
    if (this.#leadOwed && this.#responseTag === this.#leadTag) return true;
    if (this.#stage !== 'before' && this.#stage !== 'ours') return false;
    const text = line.toString('latin1');
    if (!/^\* \d+ FETCH \(/i.test(text)) return false;
    const uid = /[ (]UID (\d+)/i.exec(text)?.[1];
    if (uid !== undefined && Number(uid) !== this.request.uid) return false;
    const key = new RegExp(this.#key, 'i').exec(text);
    if (!key) return false;
    // The origin tells the two FETCHes apart; without one, the server answers in command order.
    return key[1] === undefined ? this.#stage === 'ours' : key[1] === `<${this.request.origin}>`;
  }

  /** The line ends announcing the section's literal (`BODY[2]<1048576> {n}`). */
  #announcesSection(line: Buffer): boolean {
    const tail = line.subarray(Math.max(0, line.length - 96)).toString('latin1');
    return new RegExp(`${this.#key} \\{\\d+\\}\\r\\n$`, 'i').test(tail);
  }

  /** The first word of the section's value on a line that carries it inline (`NIL`, `""`). */
  #sectionValue(text: string): string | null {
    return new RegExp(`${this.#key} ([^\\s)]+)`, 'i').exec(text)?.[2] ?? null;
  }

  /** Done once the tap's completion is read and no completion of the lead is still owed. */
  #settle(): void {
    if (this.#ourStatus === null || this.#leadOwed) return;
    this.#finish(this.#ourStatus);
  }

  #finish(status: string): void {
    this.#stage = 'done';
    if (status !== 'OK')
      this.body.destroy(new Error(`the server answered the section's FETCH ${status || 'oddly'}`));
    else if (this.#gone) this.body.destroy(new SectionGoneError());
    else this.body.push(null);
  }

  #toBody(piece: Buffer): void {
    this.#diverted += piece.length;
    if (this.body.destroyed) return;
    if (this.#stage === 'before' && this.body.readableLength + piece.length > MAX_LITERAL_BYTES) {
      throw new WireLimitError(
        'LiteralTooLarge',
        `IMAP literal over ${MAX_LITERAL_BYTES} bytes ahead of a completion`,
      );
    }
    if (!this.body.push(piece)) this.#full = true;
  }

  #addToLine(piece: Buffer): void {
    if (piece.length === 0) return;
    const bytes = this.#lineBytes + piece.length;
    if (bytes > MAX_LINE_BYTES)
      throw new WireLimitError('LineTooLarge', `IMAP line over ${MAX_LINE_BYTES} bytes`);
    this.#line.push(piece);
    this.#lineBytes = bytes;
  }

  #lineEndsWithCrlf(): boolean {
    const last = this.#line[this.#line.length - 1]!;
    if (last.length >= 2) return last[last.length - 2] === CR;
    const previous = this.#line[this.#line.length - 2];
    return previous !== undefined && previous[previous.length - 1] === CR;
  }
}
