import { addressParser } from 'postal-mime';
import type { Address } from '../mail/types.js';

interface ParsedMailbox {
  name?: string;
  address?: string;
  group?: ParsedMailbox[];
}

function toAddress(mailbox: ParsedMailbox): Address | null {
  const name = (mailbox.name ?? '').trim() || null;
  const address = (mailbox.address ?? '').trim() || null;
  return name === null && address === null ? null : { name, address };
}

/**
 * How much of an address list is read. postal-mime re-reads a value once
 * per nested group (up to 50 times: about 1 ms per KB of colons) and grows
 * with the square of them past that, while 16 KB already holds hundreds of
 * addresses; the cut falls after the last whole address.
 */
export const MAX_ADDRESS_LIST_CHARS = 16 * 1024;

/**
 * How many colons (group openings, or colons in names) are read: each one
 * costs postal-mime a pass over the value, so 16 KB of nothing but colons
 * held the event loop for tens of milliseconds. Real lists carry a few.
 */
export const MAX_ADDRESS_LIST_COLONS = 64;

function bounded(value: string, maxChars: number): string {
  let end = Math.min(value.length, maxChars);
  let colon = -1;
  for (let seen = 0; seen <= MAX_ADDRESS_LIST_COLONS; seen++) {
    colon = value.indexOf(':', colon + 1);
    if (colon < 0 || colon >= end) break;
    if (seen === MAX_ADDRESS_LIST_COLONS) end = colon;
  }
  if (end === value.length) return value;
  const comma = value.lastIndexOf(',', end);
  return value.slice(0, comma > 0 ? comma : end);
}

/**
 * Parses an address-list header value (From, To, Cc, Reply-To…): groups are
 * flattened into their members (an empty group such as
 * `undisclosed-recipients:;` gives nothing), quoted and RFC 2047-encoded
 * display names are decoded, a comment stands in for a missing name, and a
 * display name without an address gives `{ name, address: null }`. A list
 * longer than `maxChars` (16 KB), or with more than 64 colons, is read up
 * to its last comma before the cut.
 */
export function parseAddressList(
  value: string | null | undefined,
  maxChars = MAX_ADDRESS_LIST_CHARS,
): Address[] {
  if (!value?.trim()) return [];
  let parsed: ParsedMailbox[];
  try {
    parsed = addressParser(bounded(value, maxChars)) as ParsedMailbox[];
  } catch {
    return [{ name: value.trim(), address: null }];
  }
  const out: Address[] = [];
  for (const entry of parsed) {
    for (const mailbox of entry.group ?? [entry]) {
      const address = toAddress(mailbox);
      if (address) out.push(address);
    }
  }
  return out;
}
