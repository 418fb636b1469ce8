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

function bounded(value: string, maxChars: number): string {
  if (value.length <= maxChars) return value;
  const comma = value.lastIndexOf(',', maxChars);
  return value.slice(0, comma > 0 ? comma : maxChars);
}

/**
 * Parses an address-list header value (From, To, Cc, Reply-To…): groups are
 * flattened into their members (an empty group such as
 * `undisclosed-recipients:;` gives nothing), quoted and RFC 2047-encoded
 * display names are decoded, a comment stands in for a missing name, and a
 * display name without an address gives `{ name, address: null }`. A list
 * longer than `maxChars` (16 KB) is read up to its last comma before then.
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
