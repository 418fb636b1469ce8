import { z } from '@hono/zod-openapi';
import { opaqueId, queryBoolean, queryInteger } from '../input-limits.js';
import { accountParams } from './account.schema.js';
import { mailboxParams } from './mailbox.schema.js';

const messageId = opaqueId.openapi({
  param: { name: 'id', in: 'path' },
  description: 'Opaque message id, as a list, a change feed or a write answered it. It names its mailbox.',
});
const attachmentId = opaqueId.openapi({ param: { name: 'attachmentId', in: 'path' } });

/** The canonical message routes: the id alone addresses the message. */
export const messageParams = accountParams.extend({ id: messageId });
export const attachmentParams = messageParams.extend({ attachmentId });

/** The mailbox-nested aliases: the id must belong to the mailbox named. */
export const nestedMessageParams = mailboxParams.extend({ id: messageId });
export const nestedAttachmentParams = nestedMessageParams.extend({ attachmentId });

const addressSchema = z
  .object({ name: z.string().nullable(), address: z.string().nullable() })
  .openapi('Address');

export const messageSummarySchema = z
  .object({
    id: z.string(),
    mailbox: z.string(),
    uid: z.number().int().optional().openapi({ description: 'IMAP only.' }),
    flags: z.array(z.string()),
    seen: z.boolean(),
    flagged: z.boolean(),
    answered: z.boolean(),
    draft: z.boolean(),
    receivedAt: z.string().nullable(),
    date: z.string().nullable(),
    size: z.number().int(),
    subject: z.string().nullable(),
    from: addressSchema.nullable(),
    to: z.array(addressSchema),
    cc: z.array(addressSchema),
    bcc: z.array(addressSchema),
    replyTo: z.array(addressSchema),
    messageId: z.string().nullable(),
    inReplyTo: z.string().nullable(),
    references: z.array(z.string()),
    hasAttachments: z.boolean(),
    preview: z
      .string()
      .nullable()
      .openapi({
        description:
          "At most 200 characters of the message's text (the text of its HTML when it has no plain text), " +
          'whitespace collapsed; null when it has no text (only attachments, say). From the IMAP server where it ' +
          'computes previews (RFC 8970 PREVIEW), else from the first 2 KiB of the body (IMAP) or its first ' +
          '16 lines (POP3), read in the same request as the rest of the summary. In a message answer, from the ' +
          'bodies it carries (null with `body=none` on IMAP).',
        example:
          'Hi Alice, the quarterly figures are in. Please review them before Friday; we meet at 10:00 in room 4.',
      }),
    emailId: z.string().optional(),
    threadId: z
      .string()
      .optional()
      .openapi({
        description:
          "The thread the server gives the message (RFC 8474 THREADID, Gmail's X-GM-THRID), where it has one. " +
          "In the threads routes' answers, the gateway's thread id (as in `GET …/threads/{threadId}`).",
      }),
  })
  .openapi('MessageSummary');

export const messagePageSchema = z
  .object({
    messages: z.array(messageSummarySchema),
    nextCursor: z.string().nullable(),
    total: z.number().int().nullable(),
    partial: z.boolean().optional().openapi({ description: 'A bounded scan stopped early (POP3 filters).' }),
  })
  .openapi('MessagePage');

const attachmentSchema = z
  .object({
    id: z.string(),
    filename: z.string().nullable(),
    contentType: z.string(),
    size: z.number().int(),
    disposition: z.enum(['attachment', 'inline']).nullable(),
    contentId: z.string().nullable(),
    downloadUrl: z.url(),
  })
  .openapi('Attachment');

export const messageSchema = messageSummarySchema
  .extend({
    headers: z.array(z.object({ name: z.string(), value: z.string() })).openapi({
      description:
        'Every header field in message order, values unfolded; RFC 2047 encoded words decoded ' +
        '(a malformed one is left as written) unless `headers=raw`.',
    }),
    text: z.string().nullable().openapi({
      description:
        'The plain-text body; for a message with only HTML, text made from the HTML (`textFromHtml`).',
    }),
    textFromHtml: z.boolean().openapi({
      description:
        'The message has no plain-text body and `text` was made from its HTML: block structure as line ' +
        'breaks, links as `text [url]`, images left out.',
    }),
    html: z
      .string()
      .nullable()
      .openapi({
        description:
          'The HTML body: as the sender wrote it (`html=raw`, the default) or sanitised (`html=safe`).',
        example:
          '<p>Our <a href="https://shop.example/sale" rel="noopener noreferrer" target="_blank">spring sale</a> ' +
          'is on.</p><img alt="logo" src="https://mail.example.com/v1/accounts/alice/messages/SU5CT1g.1.42/attachments/2" />' +
          '<img alt="banner" data-image-blocked="remote" />',
      }),
    imagesBlocked: z
      .number()
      .int()
      .optional()
      .openapi({
        description:
          'With `html=safe`: how many remote images `images=block` (the default) removed; each left an ' +
          '`<img data-image-blocked="remote">` placeholder with its `alt`, `width` and `height`.',
        example: 3,
      }),
    textTruncated: z.boolean(),
    htmlTruncated: z.boolean(),
    encodingProblem: z.boolean(),
    attachments: z.array(attachmentSchema),
    structureTruncated: z.boolean().openapi({
      description:
        'The message nests deeper than the gateway describes (a hundred levels of multipart, say): ' +
        '`text`, `html` and `attachments` are what was found above that depth; `rawUrl` has it all.',
    }),
    rawUrl: z.url(),
  })
  .openapi('Message');

export const messageQuery = z.object({
  body: z
    .enum(['text', 'html', 'both', 'none'])
    .optional()
    .openapi({ default: 'both', description: 'Which bodies to return.' }),
  maxBodyBytes: queryInteger(0, Number.MAX_SAFE_INTEGER)
    .optional()
    .openapi({ description: 'Cut each returned body at this many bytes of its source.' }),
  markSeen: queryBoolean
    .optional()
    .openapi({ description: 'Set `\\Seen` while reading; needs a write token.' }),
  html: z
    .enum(['raw', 'safe'])
    .optional()
    .openapi({
      default: 'raw',
      example: 'safe',
      description:
        '`raw`: the HTML body as the sender wrote it (not safe to render). `safe`: sanitised against an ' +
        'allow-list, safe to put in a page: no script, event handler, form, frame, object, SVG, `<meta>`, ' +
        '`<base>`, `<style>` block or `<link>`; no `id`, `name` or `class`; links only http(s), mailto and ' +
        'tel, opening a new tab with `rel="noopener noreferrer"`; images only http(s) (see `images`), ' +
        '`data:image/{png,gif,jpeg,webp}`, and `cid:` rewritten to the `downloadUrl` of the attachment ' +
        'with that Content-ID; inline CSS only listed properties with plain values (no `url()`, ' +
        '`expression()`, `position`); elements nested deeper than 128 levels are flattened.',
    }),
  images: z
    .enum(['keep', 'block'])
    .optional()
    .openapi({
      default: 'block',
      example: 'keep',
      description:
        'With `html=safe`, remote (http/https) images: `block` removes their source (no tracking pixel ' +
        'loads) and counts them in `imagesBlocked`; `keep` leaves them. Ignored with `html=raw`.',
    }),
  headers: z.enum(['decoded', 'raw']).optional().openapi({
    default: 'decoded',
    example: 'raw',
    description: '`decoded`: RFC 2047 encoded words in `headers[]` values decoded. `raw`: values as written.',
  }),
  fields: z
    .string()
    .max(1000)
    .optional()
    .openapi({
      example: 'subject,from,date,flags,preview',
      description:
        'Only these top-level fields of the answer, comma-separated (JMAP-style property selection); `id` ' +
        'is always there. An unknown name is 400 `invalid_request`. What no listed field needs is not read ' +
        'from the mail server: no body without `text`, `html` or a field about them, no BODYSTRUCTURE ' +
        'without `attachments`, `hasAttachments` or a body, no header block without `headers`. Without a ' +
        'flag field (`flags`, `seen`, `flagged`, `answered`, `draft`) the answer never changes, so a ' +
        'conditional request is answered without the server.',
    }),
});
