import { z } from '@hono/zod-openapi';
import { FILTER_NAMES, SORT_KEYS } from '../../mail/types.js';
import { queryBoolean } from '../input-limits.js';

export const accountParams = z.object({
  account: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'account', in: 'path' }, example: 'work' }),
});

export const capabilitiesSchema = z
  .object({
    mailboxes: z.boolean(),
    flags: z.boolean(),
    move: z.boolean(),
    copy: z.boolean(),
    append: z.boolean(),
    changes: z.boolean(),
    wait: z.boolean(),
    bulk: z.boolean(),
    filters: z.array(z.enum(FILTER_NAMES as [string, ...string[]])),
    sort: z.array(z.enum(SORT_KEYS)).openapi({
      description:
        "The message list's `sort` keys this account accepts. IMAP: every key where the server has SORT " +
        '(RFC 5256; assumed until `probe=true` asks the server), else `arrival` only. POP3: `arrival`, ' +
        'newest first only.',
      example: ['arrival', 'date', 'from', 'subject', 'size'],
    }),
    threads: z.boolean().openapi({
      description:
        'Whether the threads routes are served: IMAP always (from THREAD where the server has it, else from ' +
        "the newest 500 messages' headers, answered `partial`); POP3 never (501).",
    }),
  })
  .openapi('Capabilities');

export const accountSchema = z
  .object({
    id: z.string(),
    protocol: z.enum(['imap', 'pop3']),
    capabilities: capabilitiesSchema,
    server: z
      .object({ name: z.string().nullable(), capabilities: z.array(z.string()) })
      .optional()
      .openapi({ description: 'Only with `probe=true`: the server as it describes itself.' }),
  })
  .openapi('Account');

export const accountListSchema = z.array(accountSchema).openapi('AccountList');

export const accountQuery = z.object({
  probe: queryBoolean.optional().openapi({
    description: 'Connect to the server and report its own capabilities.',
  }),
});
