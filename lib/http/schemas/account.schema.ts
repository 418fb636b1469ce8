import { z } from '@hono/zod-openapi';
import { FILTER_NAMES } from '../../mail/types.js';
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
