/** RFC 1939 message numbers start at 1. A bad number is a bug in the caller, not a server failure. */
export function messageNumber(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError('POP3 message numbers are integers from 1');
  return value;
}
