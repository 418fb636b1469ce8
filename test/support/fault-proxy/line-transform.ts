import type { ChunkTransform } from './types.js';

/**
 * Turns a per-line rewrite into a chunk transform for `transformToClient` or
 * `transformToServer`. Partial lines are held back until their LF arrives, so the
 * rewrite always sees whole lines (decoded as latin1, so every byte round-trips).
 * Returning null drops the line; returning text replaces it, its terminator kept.
 * Bytes of an unterminated last line are never delivered.
 */
export function transformLines(rewrite: (line: string, connIndex: number) => string | null): ChunkTransform {
  const held = new Map<number, Buffer>();
  return (chunk, connIndex) => {
    const data = Buffer.concat([held.get(connIndex) ?? Buffer.alloc(0), chunk]);
    const lastLf = data.lastIndexOf(0x0a);
    held.set(connIndex, data.subarray(lastLf + 1));
    if (lastLf === -1) return Buffer.alloc(0);
    const out: string[] = [];
    for (const raw of data
      .subarray(0, lastLf + 1)
      .toString('latin1')
      .split(/(?<=\n)/)) {
      const terminator = raw.endsWith('\r\n') ? '\r\n' : '\n';
      const replaced = rewrite(raw.slice(0, -terminator.length), connIndex);
      if (replaced !== null) out.push(replaced + terminator);
    }
    return Buffer.from(out.join(''), 'latin1');
  };
}

/**
 * A `transformToClient` hiding one capability from the client, e.g. `STARTTLS`
 * (IMAP, RFC 9051 §6.1.1, in `* CAPABILITY` lines and `[CAPABILITY …]` codes) or
 * `STLS` (POP3, RFC 2449 §5, a line of its own in the CAPA listing). Simple on
 * purpose: a POP3 message body line consisting of exactly that word is dropped too.
 */
export function withoutCapability(name: string): ChunkTransform {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const token = new RegExp(` ${escaped}(?=[ \\]]|$)`, 'gi');
  const alone = new RegExp(`^${escaped}$`, 'i');
  return transformLines((line) => {
    if (alone.test(line)) return null;
    if (/^\* CAPABILITY |\[CAPABILITY /i.test(line)) return line.replace(token, '');
    return line;
  });
}
