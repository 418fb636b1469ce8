/**
 * RFC 1939 §7: a unique-id is 1 to 70 characters in 0x21–0x7E. Some servers
 * send longer ones, so up to 140 are accepted: a message id made from one
 * then stays within the API's 200 characters. Message ids and list cursors
 * (which carry UIDLs as anchors) accept exactly the same UIDLs.
 */
export const MAX_UIDL_CHARS = 140;

const UIDL = new RegExp(`^[\\x21-\\x7e]{1,${MAX_UIDL_CHARS}}$`);

export function isAcceptedUidl(text: string): boolean {
  return UIDL.test(text);
}
