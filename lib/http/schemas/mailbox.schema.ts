import { z } from '@hono/zod-openapi';
import { MAILBOX_ROLES } from '../../mail/types.js';
import { mailboxSegment, queryBoolean } from '../input-limits.js';
import { accountParams } from './account.schema.js';

export const mailboxParams = accountParams.extend({
  mailbox: mailboxSegment.openapi({
    param: { name: 'mailbox', in: 'path' },
    description:
      'The full mailbox path as ONE percent-encoded segment (`INBOX%2FReports`, UTF-8), or a role: ' +
      `${MAILBOX_ROLES.map((role) => `\`~${role}\``).join(', ')}. A path that itself starts with \`~\` is sent as \`%7E…\`.`,
    example: 'INBOX',
  }),
});

const roleSchema = z.enum(MAILBOX_ROLES).nullable();

export const mailboxSchema = z
  .object({
    path: z.string(),
    name: z.string(),
    parent: z.string().nullable(),
    delimiter: z.string().nullable(),
    role: roleSchema,
    specialUse: z.string().nullable(),
    subscribed: z.boolean(),
    total: z.number().int().optional().openapi({ description: 'Only with `counts=true`.' }),
    unseen: z.number().int().optional().openapi({ description: 'Only with `counts=true`.' }),
    uidNext: z.number().int().nullable().optional().openapi({ description: 'Only with `counts=true`.' }),
  })
  .openapi('Mailbox');

export const mailboxListSchema = z.object({ mailboxes: z.array(mailboxSchema) }).openapi('MailboxList');

export const mailboxListQuery = z.object({
  counts: queryBoolean
    .optional()
    .openapi({ description: 'Add `total`, `unseen` and `uidNext` to each mailbox.' }),
});

export const mailboxStatusSchema = z
  .object({
    path: z.string(),
    name: z.string(),
    role: roleSchema,
    total: z.number().int(),
    unseen: z.number().int().nullable(),
    uidNext: z.number().int().nullable(),
    uidValidity: z.string().nullable(),
    highestModseq: z.string().nullable(),
    state: z
      .string()
      .nullable()
      .openapi({ description: 'Token for `changes`/`wait`; null where unsupported.' }),
  })
  .openapi('MailboxStatus');
