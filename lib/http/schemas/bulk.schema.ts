import { z } from '@hono/zod-openapi';
import type { MessageFilter } from '../../mail/types.js';
import { flagChangeSchema } from '../flags.js';
import { filterText, hasLineBreakingCharacter, MAX_FILTER_CHARS, opaqueId } from '../input-limits.js';
import { parseInstant } from '../list-query.js';
import { transferBody } from './write.schema.js';

/** The contract's cap on one bulk call. */
export const MAX_BULK_IDS = 10_000;

const instant = z
  .string()
  .refine((value) => parseInstant(value) !== null, 'must be an ISO 8601 date or date-time with a zone');

/** RFC 5322 §3.6.8 field names. */
const headerName = z.string().regex(/^[\x21-\x39\x3b-\x7e]{1,100}$/, 'must be a header field name');

const headerValue = z
  .string()
  .max(MAX_FILTER_CHARS)
  .refine((value) => !hasLineBreakingCharacter(value), 'must not contain CR, LF or NUL');

/** The list query's filters as typed JSON: booleans, numbers, and `header` as `{name: value}`. */
export const bulkFilterSchema = z
  .object({
    seen: z.boolean().optional(),
    flagged: z.boolean().optional(),
    answered: z.boolean().optional(),
    draft: z.boolean().optional(),
    from: filterText.optional(),
    to: filterText.optional(),
    cc: filterText.optional(),
    subject: filterText.optional(),
    text: filterText.optional(),
    body: filterText.optional(),
    since: instant.optional().openapi({ description: 'Received on or after (INTERNALDATE).' }),
    before: instant.optional().openapi({ description: 'Received before (INTERNALDATE).' }),
    larger: z.number().int().nonnegative().optional(),
    smaller: z.number().int().positive().optional(),
    header: z
      .record(headerName, headerValue)
      .optional()
      .openapi({ description: 'Header fields that must contain the value (empty: must be present).' }),
  })
  .strict()
  // An empty filter would act on every message in the mailbox.
  .refine(
    (filter) =>
      Object.entries(filter).some(([key, value]) => key !== 'header' || Object.keys(value ?? {}).length > 0),
    'needs at least one criterion',
  )
  .openapi('BulkFilter', { description: 'The filters of the message list, as JSON; all combine with AND.' });

export type BulkFilterInput = z.output<typeof bulkFilterSchema>;

export function toMessageFilter(input: BulkFilterInput): MessageFilter {
  const { since, before, header, ...rest } = input;
  const filter: MessageFilter = { ...rest };
  if (since !== undefined) filter.since = parseInstant(since) ?? undefined;
  if (before !== undefined) filter.before = parseInstant(before) ?? undefined;
  if (header !== undefined && Object.keys(header).length > 0) {
    filter.headers = Object.entries(header).map(([name, value]) => ({ name, value }));
  }
  return filter;
}

const ACTIONS = ['flag', 'move', 'copy', 'delete'] as const;

export const bulkBody = z
  .object({
    ids: z
      .array(opaqueId)
      .min(1)
      .max(MAX_BULK_IDS)
      .optional()
      .openapi({
        description: `The messages, by id (at most ${MAX_BULK_IDS}).`,
      }),
    filter: bulkFilterSchema.optional(),
    action: z.enum(ACTIONS),
    flags: flagChangeSchema.optional().openapi({ description: 'With `flag`.' }),
    to: transferBody.shape.to.optional().openapi({ description: 'With `move` and `copy`.' }),
    permanent: z
      .boolean()
      .optional()
      .openapi({ description: 'With `delete`: expunge instead of moving to Trash.' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.ids === undefined) === (body.filter === undefined)) {
      ctx.addIssue({ code: 'custom', message: "give exactly one of 'ids' and 'filter'" });
    }
    const wants: Record<(typeof ACTIONS)[number], 'flags' | 'to' | 'permanent'> = {
      flag: 'flags',
      move: 'to',
      copy: 'to',
      delete: 'permanent',
    };
    for (const field of ['flags', 'to', 'permanent'] as const) {
      const allowed = wants[body.action] === field;
      if (!allowed && body[field] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: `is not used by action '${body.action}'` });
      }
    }
    if (body.action === 'flag' && body.flags === undefined) {
      ctx.addIssue({ code: 'custom', path: ['flags'], message: "is required by action 'flag'" });
    }
    if ((body.action === 'move' || body.action === 'copy') && body.to === undefined) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `is required by action '${body.action}'` });
    }
  })
  .openapi('BulkRequest', {
    description:
      'One action on many messages: `ids` or `filter`, and `{action: "flag", flags}`, ' +
      '`{action: "move"|"copy", to}` or `{action: "delete", permanent?}`.',
  });

export type BulkBodyInput = z.output<typeof bulkBody>;

export const bulkResultSchema = z
  .object({
    matched: z.number().int().openapi({ description: 'Messages the ids or filter named that exist.' }),
    done: z.number().int(),
    failed: z.array(z.object({ id: z.string(), code: z.string() })).openapi({
      description: 'Every id that was not done, with an error code such as `message_not_found`.',
    }),
    ids: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: 'For `move` and `copy`: old id → new id.' }),
  })
  .openapi('BulkResult');
