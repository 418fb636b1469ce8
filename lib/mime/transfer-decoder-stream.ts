import { Transform } from 'node:stream';
import { createChunkDecoder } from './transfer-decoding.js';

/**
 * A Transform that undoes a Content-Transfer-Encoding as bytes stream
 * through it, byte-identical to `decodeTransfer` whatever the chunking.
 */
export function createTransferDecoder(encoding: string | null | undefined): Transform {
  const decoder = createChunkDecoder(encoding);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const out = decoder.write(chunk);
      callback(null, out.length ? out : undefined);
    },
    flush(callback) {
      const out = decoder.end();
      callback(null, out.length ? out : undefined);
    },
  });
}
