import { describe, expect, it } from 'vitest';
import { type ResponseHandler, ResponseReader } from '../../../lib/pop3/response-reader.js';
import { stuff } from '../../support/fake-pop3-server.js';
import { TRICKY_MESSAGE } from './build-client.js';

interface Collected {
  statuses: string[];
  bodies: Buffer[];
}

/** A reader that expects a body after every "+OK" (as RETR does), collecting what it gets. */
function collectingReader(): { reader: ResponseReader; collected: Collected } {
  const collected: Collected = { statuses: [], bodies: [] };
  let current: Buffer[] = [];
  const handler: ResponseHandler = {
    onStatus(line) {
      collected.statuses.push(line.toString('latin1'));
      return line.toString('latin1').startsWith('+OK');
    },
    onBody(chunk) {
      current.push(Buffer.from(chunk));
    },
    onBodyEnd() {
      collected.bodies.push(Buffer.concat(current));
      current = [];
    },
  };
  return { reader: new ResponseReader(handler), collected };
}

// Two RETR answers back to back, as in a pipelined session, then a -ERR.
const wire = Buffer.concat([
  Buffer.from('+OK first\r\n'),
  stuff(TRICKY_MESSAGE),
  Buffer.from('+OK second\r\n'),
  stuff(Buffer.from('.\r\n..\r\n')),
  Buffer.from('-ERR [SYS/TEMP] done\r\n'),
]);

function expectDecoded(collected: Collected) {
  expect(collected.statuses).toEqual(['+OK first', '+OK second', '-ERR [SYS/TEMP] done']);
  expect(collected.bodies[0]!.equals(TRICKY_MESSAGE)).toBe(true);
  expect(collected.bodies[1]!.equals(Buffer.from('.\r\n..\r\n'))).toBe(true);
}

describe('multi-line responses (RFC 1939 §3)', () => {
  it('the stuffed wire form differs from the message, so unstuffing is really exercised', () => {
    expect(stuff(TRICKY_MESSAGE).includes(Buffer.from('\r\n...starts with two dots'))).toBe(true);
    expect(stuff(TRICKY_MESSAGE).includes(Buffer.from('\r\n..\r\n'))).toBe(true);
  });

  it('decodes the whole stream in one chunk', () => {
    const { reader, collected } = collectingReader();
    reader.push(wire);
    expectDecoded(collected);
  });

  it('decodes correctly when split into two chunks at every byte offset', () => {
    for (let offset = 1; offset < wire.length; offset++) {
      const { reader, collected } = collectingReader();
      reader.push(wire.subarray(0, offset));
      reader.push(wire.subarray(offset));
      expect({ offset, ok: collected.bodies[0]?.equals(TRICKY_MESSAGE) }).toEqual({ offset, ok: true });
      expectDecoded(collected);
    }
  });

  it('decodes correctly when every byte arrives alone', () => {
    const { reader, collected } = collectingReader();
    for (const byte of wire) reader.push(Buffer.from([byte]));
    expectDecoded(collected);
  });

  it('decodes correctly when split into three chunks at every pair of offsets in the terminator region', () => {
    const end = wire.indexOf('+OK second');
    for (let first = end - 12; first < end; first++) {
      for (let second = first + 1; second <= end + 4; second++) {
        const { reader, collected } = collectingReader();
        reader.push(wire.subarray(0, first));
        reader.push(wire.subarray(first, second));
        reader.push(wire.subarray(second));
        expectDecoded(collected);
      }
    }
  });

  it('delivers an empty body when the terminator follows the status line directly', () => {
    const { reader, collected } = collectingReader();
    reader.push(Buffer.from('+OK\r\n.\r\n'));
    expect(collected.bodies).toEqual([Buffer.alloc(0)]);
  });

  it('rejects a status line that never ends instead of buffering without limit', () => {
    const { reader } = collectingReader();
    expect(() => reader.push(Buffer.alloc(20_000, 0x41))).toThrow(/too long/);
  });
});
