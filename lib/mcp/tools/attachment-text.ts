import { TextDecoder } from 'node:util';
import { z } from 'zod';
import { attachmentParams } from '../../http/schemas/message.schema.js';
import { MailgateError } from '../../mail/errors.js';
import type { Download } from '../../mail/types.js';
import { toolResult } from '../results.js';
import { accountField, messageIdField, type ToolSpec } from './define.js';

/**
 * Most bytes of an attachment get_attachment_text reads and returns: 256 KiB
 * of text is already tens of thousands of a model's tokens. The rest is not
 * read from the server (the download stops there) and the answer says
 * `truncated: true`.
 */
export const ATTACHMENT_TEXT_CAP_BYTES = 256 * 1024;

/** Types whose bytes are text a model can read: text/*, JSON, XML, CSV, YAML, and their `+json`/`+xml` kin. */
const TEXT_LIKE = new Set([
  'application/json',
  'application/xml',
  'application/csv',
  'application/yaml',
  'application/x-yaml',
  'application/javascript',
  'application/x-sh',
  'application/sql',
  'application/x-ndjson',
  'application/ld+json',
  'message/delivery-status',
]);

/** The media type alone, lower-cased, without parameters. */
function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

export function isTextLike(contentType: string): boolean {
  const type = mediaType(contentType);
  return type.startsWith('text/') || TEXT_LIKE.has(type) || type.endsWith('+json') || type.endsWith('+xml');
}

/** The charset parameter when TextDecoder knows it, else UTF-8 (which also reads US-ASCII). */
function decoderFor(contentType: string): TextDecoder {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  try {
    return new TextDecoder(match?.[1] ?? 'utf-8');
  } catch {
    return new TextDecoder('utf-8');
  }
}

/** Reads at most `cap` bytes of the download, stopping the download there. */
async function readCapped(
  download: Download,
  cap: number,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  let truncated = false;
  for await (const chunk of download.body) {
    const room = cap - length;
    if (chunk.byteLength > room) {
      chunks.push(chunk.subarray(0, room));
      length += room;
      truncated = true;
      break;
    }
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  return { bytes: Buffer.concat(chunks, length), truncated };
}

const attachmentIdField = attachmentParams.shape.attachmentId.describe(
  "An attachment's id, as get_message lists it.",
);

export const getAttachmentText: ToolSpec = {
  name: 'get_attachment_text',
  description:
    `The text of a text-like attachment (text/*, JSON, XML, CSV, YAML; charset decoded), at most ${ATTACHMENT_TEXT_CAP_BYTES} ` +
    'bytes (`maxBytes` for fewer; longer ones are cut and answered `truncated: true`). Other types are refused ' +
    'with code `unsupported_media_type`.',
  inputSchema: {
    account: accountField,
    id: messageIdField,
    attachmentId: attachmentIdField,
    maxBytes: z.number().int().min(1).max(ATTACHMENT_TEXT_CAP_BYTES).optional(),
  },
  annotations: {
    title: 'Read a text attachment',
    readOnlyHint: true,
    destructiveHint: false,
    openWorldHint: false,
  },
  write: false,
  async run(session, args, cancel) {
    const account = await session.account(args.account as string);
    const cap = (args.maxBytes as number | undefined) ?? ATTACHMENT_TEXT_CAP_BYTES;
    const timeoutMs = session.deps.config.MAILGATE_REQUEST_TIMEOUT_MS;
    const read = await session.withStore(account, { timeoutMs, cancel }, async (store) => {
      const download = await store.openAttachment(null, args.id as string, args.attachmentId as string);
      if (!isTextLike(download.contentType)) {
        throw new MailgateError(
          'unsupported_media_type',
          `The attachment is ${mediaType(download.contentType) || 'of no stated type'}, not text; download it over the HTTP API instead.`,
        );
      }
      const { bytes, truncated } = await readCapped(download, cap);
      let text = decoderFor(download.contentType).decode(bytes);
      // A cut inside a multi-byte character leaves a replacement character that is not the sender's.
      if (truncated) text = text.replace(/\uFFFD$/, '');
      return {
        contentType: download.contentType,
        filename: download.filename,
        size: download.size,
        text,
        truncated,
      };
    });
    const head = `${read.filename ?? '(unnamed)'} (${read.contentType}${read.truncated ? `, first ${cap} bytes` : ''})`;
    return toolResult(
      {
        filename: read.filename,
        contentType: read.contentType,
        size: read.size,
        truncated: read.truncated,
        text: read.text,
      },
      `${head}\n\n${read.text}`,
    );
  },
};
