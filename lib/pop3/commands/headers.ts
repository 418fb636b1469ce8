import type { ByteBudget, Pop3Connection, Pop3Reply, Pop3Request } from '../connection.js';
import { parseListing } from '../parse-listing.js';
import { Pop3Error } from '../pop3-error.js';
import { MAX_HEADER_BATCH_BYTES, MAX_HEADER_BYTES, MAX_PREVIEW_BODY_BYTES } from '../read-limits.js';
import { messageNumber } from './message-number.js';

export interface MessageHeaderInfo {
  number: number;
  uid: string;
  size: number;
  /**
   * The header block, the blank line after it and the first
   * SUMMARY_BODY_LINES body lines (the preview's text), byte-exact after
   * dot-unstuffing, of which at most MAX_PREVIEW_BODY_BYTES are kept: the
   * whole message when it is no longer.
   */
  header: Buffer;
}

/**
 * Body lines read with each header (`TOP n 16`) for the summary's preview:
 * enough for a multipart preamble, the first part's header and a few hundred
 * characters of text, about 1.2 KB a message where lines keep to 76 bytes.
 */
export const SUMMARY_BODY_LINES = 16;

const BATCH = 100;

function single(verb: string, number: number): Pop3Request {
  return { line: `${verb} ${number}`, verb, phase: 'transaction', multiline: false };
}

function valueFor(text: string, number: number, verb: string): string {
  const [entry] = parseListing(text.split(' ').slice(0, 2).join(' '));
  if (!entry || entry.number !== number) {
    throw new Pop3Error('protocol', `${verb} answered for another message`, {
      phase: 'transaction',
      command: verb,
    });
  }
  return entry.value;
}

/**
 * UIDL n, LIST n and TOP n 16 for each message: what a summary needs
 * (`bodyLines` 0 when it needs no preview: the header block alone). With
 * PIPELINING every command goes out in a few writes (RFC 2449 §6.6), so a
 * page of 50 costs about one round trip and no full listing of a big maildrop.
 * Each header block may be at most MAX_HEADER_BYTES, what is kept of the batch's
 * answers together MAX_HEADER_BATCH_BYTES; past either the session ends
 * (Pop3Error too_large). Of the body lines only the first
 * MAX_PREVIEW_BODY_BYTES are kept (and counted); the rest is read and dropped,
 * so a long body line neither ends the session nor spends the batch's budget.
 * @throws Pop3Error (rejected when a message no longer exists)
 */
export async function fetchHeaders(
  connection: Pop3Connection,
  numbers: number[],
  bodyLines = SUMMARY_BODY_LINES,
): Promise<MessageHeaderInfo[]> {
  // One header block, and all of them together, are capped: a server cannot make a page hold more.
  const budget: ByteBudget = { remaining: MAX_HEADER_BATCH_BYTES };
  const requests = numbers.flatMap((number) => [
    single('UIDL', messageNumber(number)),
    single('LIST', number),
    {
      line: `TOP ${number} ${bodyLines}`,
      verb: 'TOP',
      phase: 'transaction',
      multiline: true,
      maxBytes: MAX_HEADER_BYTES,
      budget,
      ...(bodyLines > 0 ? { keepBodyBytes: MAX_PREVIEW_BODY_BYTES } : {}),
    } satisfies Pop3Request,
  ]);
  const replies: Pop3Reply[] = [];
  if (connection.pipelining) {
    const pending = [];
    for (let start = 0; start < requests.length; start += BATCH) {
      pending.push(...connection.sendAll(requests.slice(start, start + BATCH)));
    }
    replies.push(...(await Promise.all(pending)));
  } else {
    for (const request of requests) replies.push(await connection.send(request));
  }
  return numbers.map((number, index) => {
    const [uidl, list, top] = replies.slice(index * 3, index * 3 + 3);
    const size = valueFor(list!.status.text, number, 'LIST');
    if (!/^[0-9]+$/.test(size))
      throw new Pop3Error('protocol', 'malformed POP3 size', { phase: 'transaction' });
    return {
      number,
      uid: valueFor(uidl!.status.text, number, 'UIDL'),
      size: Number(size),
      header: top!.body!,
    };
  });
}
