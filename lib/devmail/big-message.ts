import { createHash } from 'node:crypto';

/**
 * Deterministic pseudo-random bytes (xorshift32), so a large attachment can be
 * generated at setup instead of committed, and its digest recomputed anywhere.
 */
export function pseudoRandomBytes(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export interface BigMessage {
  raw: Buffer;
  attachment: Buffer;
  attachmentSha256: string;
  filename: string;
}

/** A multipart message with a short text body and one large base64 attachment (76-column lines). */
export function buildBigMessage(
  attachmentBytes: number,
  options: { subject?: string; seed?: number } = {},
): BigMessage {
  const attachment = pseudoRandomBytes(attachmentBytes, options.seed);
  const filename = 'archive.bin';
  const encoded = attachment.toString('base64').replace(/.{76}/g, '$&\r\n');
  const boundary = 'big-boundary-7f3a';
  const head = [
    'From: Big Sender <big@example.com>',
    'To: Alice <alice@example.com>',
    `Subject: ${options.subject ?? 'A large attachment'}`,
    'Date: Tue, 03 Nov 2026 10:00:00 +0000',
    'Message-ID: <big-attachment@example.com>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    'The archive is attached.',
    `--${boundary}`,
    `Content-Type: application/octet-stream; name="${filename}"`,
    `Content-Disposition: attachment; filename="${filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    '',
  ].join('\r\n');
  const raw = Buffer.concat([
    Buffer.from(head, 'utf8'),
    Buffer.from(encoded.endsWith('\r\n') ? encoded : `${encoded}\r\n`, 'ascii'),
    Buffer.from(`--${boundary}--\r\n`, 'ascii'),
  ]);
  return {
    raw,
    attachment,
    attachmentSha256: createHash('sha256').update(attachment).digest('hex'),
    filename,
  };
}
