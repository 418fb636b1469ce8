import { z } from '@hono/zod-openapi';
import { flagChangeSchema, flagListSchema } from '../flags.js';
import { mailboxSegment, queryBoolean } from '../input-limits.js';

export const messageRefSchema = z
  .object({
    id: z.string().openapi({ description: 'The message id in `mailbox`.' }),
    mailbox: z.string().openapi({ description: 'The full path of the mailbox the message is in.' }),
  })
  .openapi('MessageRef');

export const messageFlagsSchema = z
  .object({
    id: z.string(),
    flags: z
      .array(z.string())
      .openapi({ description: 'The flags as the server reports them after the change.' }),
  })
  .openapi('MessageFlags');

export const updateMessageBody = z.object({ flags: flagChangeSchema }).strict().openapi('MessageUpdate');

const mailboxTarget = mailboxSegment.openapi({
  description:
    'The destination: a full mailbox path, or a role such as `~archive`. A path that itself starts ' +
    'with `~` is written with the tilde doubled (`~~Notes`).',
  example: '~archive',
});

export const transferBody = z.object({ to: mailboxTarget }).strict().openapi('MessageTransfer');

export const deleteMessageQuery = z.object({
  permanent: queryBoolean.optional().openapi({
    description: 'Expunge the message for good instead of moving it to the Trash role.',
  }),
});

export const mailboxPathBody = z
  .object({
    path: mailboxSegment.openapi({
      description:
        'The full path, with the hierarchy delimiter; at most 1,000 UTF-8 bytes, no control characters.',
      example: 'Projects/2026',
    }),
  })
  .strict()
  .openapi('MailboxPath');

// Alphabet, then at most two '=', line breaks and spaces anywhere. The
// blanks after the padding belong to the padding group only: two `[\r\n ]*`
// runs side by side could split a long run of blanks n ways and froze a
// request for seconds on a 100 KB body.
const BASE64 = /^[A-Za-z0-9+/\r\n ]*(?:={1,2}[\r\n ]*)?$/;

export const appendJsonBody = z
  .object({
    raw: z
      .string()
      .min(1)
      .regex(BASE64, 'must be standard base64')
      .openapi({ description: 'The RFC 5322 message, base64-encoded (line breaks allowed).' }),
    flags: flagListSchema.optional().openapi({ description: 'Flags to store with it, e.g. `["\\\\Seen"]`.' }),
    date: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'Its received time (INTERNALDATE); the server’s clock when absent.' }),
  })
  .strict()
  .openapi('AppendMessage');

export type AppendJsonInput = z.output<typeof appendJsonBody>;

export const appendResultSchema = z
  .object({ id: z.string().openapi({ description: 'The new message id.' }) })
  .openapi('AppendResult');
