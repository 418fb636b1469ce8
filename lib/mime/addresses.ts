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
 * How much of an address list is read. postal-mime's time grows with the
 * square of the colons (group syntax) in a value, and 16 KB already holds
 * hundreds of addresses; the cut falls after the last whole address.
 */
const MAX_ADDRESS_LIST_CHARS = 16 * 1024;

function bounded(value: string): string {
  if (value.length <= MAX_ADDRESS_LIST_CHARS) return value;
  const comma = value.lastIndexOf(',', MAX_ADDRESS_LIST_CHARS);
  return value.slice(0, comma > 0 ? comma : MAX_ADDRESS_LIST_CHARS);
}

/**
 * Parses an address-list header value (From, To, Cc, Reply-To…): groups are
 * flattened into their members (an empty group such as
 * `undisclosed-recipients:;` gives nothing), quoted and RFC 2047-encoded
 * display names are decoded, a comment stands in for a missing name, and a
 * display name without an address gives `{ name, address: null }`. A list
 * longer than 16 KB is read up to its last comma within the first 16 KB.
 */
export function parseAddressList(value: string | null | undefined): Address[] {
  if (!value?.trim()) return [];
  let parsed: ParsedMailbox[];
  try {
    parsed = addressParser(bounded(value)) as ParsedMailbox[];
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
