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
 * Parses an address-list header value (From, To, Cc, Reply-To…): groups are
 * flattened into their members (an empty group such as
 * `undisclosed-recipients:;` gives nothing), quoted and RFC 2047-encoded
 * display names are decoded, a comment stands in for a missing name, and a
 * display name without an address gives `{ name, address: null }`.
 */
export function parseAddressList(value: string | null | undefined): Address[] {
  if (!value?.trim()) return [];
  let parsed: ParsedMailbox[];
  try {
    parsed = addressParser(value) as ParsedMailbox[];
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
