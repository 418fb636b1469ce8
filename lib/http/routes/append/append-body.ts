import type { Context, MiddlewareHandler } from 'hono';
import { InvalidRequestError, MailgateError, PayloadTooLargeError } from '../../../mail/errors.js';
import type { AppEnv } from '../../app-env.js';
import { limitBody } from '../../middleware/body-limit.js';

export const RFC822 = 'message/rfc822';

const JSON_MEDIA_TYPE = /^application\/json$/i;

/** The media type without parameters, lower-cased; '' when absent. */
export function mediaTypeOf(c: Context<AppEnv>): string {
  return (c.req.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
}

export function isJsonUpload(c: Context<AppEnv>): boolean {
  return JSON_MEDIA_TYPE.test(mediaTypeOf(c));
}

/**
 * The largest JSON body that can carry a message of `maxBytes`: base64 makes
 * 4 characters of every 3 bytes, line breaks may add 2 of every 76, and the
 * other members need a little room.
 */
export function jsonUploadLimit(maxBytes: number): number {
  return Math.ceil(((Math.ceil(maxBytes / 3) * 4) / 76) * 78) + 64 * 1024;
}

const limitUpload = limitBody((c) => {
  const max = c.get('deps').config.MAILGATE_MAX_UPLOAD_BYTES;
  return isJsonUpload(c) ? jsonUploadLimit(max) : max;
});

/**
 * Answers 415 for anything but a message or JSON before reading a byte,
 * then caps the body (413) while it is read.
 * @throws MailgateError (`unsupported_media_type`), PayloadTooLargeError
 */
export const appendBodyGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = mediaTypeOf(c);
  if (type !== RFC822 && !isJsonUpload(c)) {
    throw new MailgateError(
      'unsupported_media_type',
      `Send the message as ${RFC822}, or as JSON {"raw": base64}; got ${type ? `'${type.slice(0, 100)}'` : 'no Content-Type'}.`,
    );
  }
  await limitUpload(c, next);
};

/**
 * Decodes the JSON variant's base64, which the schema already checked for
 * its alphabet; the decoded size is held to the same limit as a raw upload.
 * @throws InvalidRequestError, PayloadTooLargeError
 */
export function decodeRaw(base64: string, maxBytes: number): Buffer {
  const compact = base64.replace(/[\r\n ]/g, '');
  if (compact.length % 4 !== 0)
    throw new InvalidRequestError("Invalid request: body field 'raw' is not valid base64.");
  const raw = Buffer.from(compact, 'base64');
  if (raw.byteLength > maxBytes) {
    throw new PayloadTooLargeError(`The message is larger than ${maxBytes} bytes.`);
  }
  return raw;
}
