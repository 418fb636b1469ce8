import { z } from '@hono/zod-openapi';
import { HEADER_NAME, MAX_HEADER_NAME_CHARS } from '../../mail/protocol-text.js';
import type { Header, MessageFilter } from '../../mail/types.js';
import { flagChangeSchema } from '../flags.js';
import {
  filterText,
  hasLineBreakingCharacter,
  MAX_FILTER_CHARS,
  MAX_HEADER_FILTERS,
  opaqueId,
} from '../input-limits.js';
import { parseInstant } from '../list-query.js';
import { transferBody } from './write.schema.js';

/** The contract's cap on one bulk call. */
export const MAX_BULK_IDS = 10_000;

const instant = z
  .string()
  .refine((value) => parseInstant(value) !== null, 'must be an ISO 8601 date or date-time with a zone');

const headerName = z.string().regex(HEADER_NAME, 'must be a header field name');

const headerValue = z
  .string()
  .max(MAX_FILTER_CHARS)
  .refine((value) => !hasLineBreakingCharacter(value), 'must not contain CR, LF or NUL');

/**
 * `header` as `{name: value}`, read from the object's own keys into a list.
 * Not `z.record`: it skips a key named `__proto__` without a word, and a
 * filter that loses a condition acts on more messages than it names.
 */
const headerConditions = z
  .unknown()
  .transform((input, ctx): Header[] => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      ctx.addIssue({ code: 'custom', message: 'must be an object of header names and values' });
      return z.NEVER;
    }
    const entries = Object.entries(input);
    if (entries.length > MAX_HEADER_FILTERS) {
      ctx.addIssue({ code: 'custom', message: `must name at most ${MAX_HEADER_FILTERS} header fields` });
      return z.NEVER;
    }
    const conditions: Header[] = [];
    for (const [name, value] of entries) {
      const issue = headerName.safeParse(name).error ?? headerValue.safeParse(value).error;
      if (issue) {
        ctx.addIssue({ code: 'custom', path: [name], message: issue.issues[0]?.message ?? 'is invalid' });
        return z.NEVER;
      }
      conditions.push({ name, value: value as string });
    }
    if (conditions.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'must name at least one header field (leave it out otherwise)',
      });
      return z.NEVER;
    }
    return conditions;
  })
  .openapi({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: MAX_FILTER_CHARS },
    maxProperties: MAX_HEADER_FILTERS,
    description:
      'Header fields that must contain the value (empty: must be present); names are RFC 5322 field names, ' +
      `at most ${MAX_HEADER_NAME_CHARS} characters; at most ${MAX_HEADER_FILTERS} of them.`,
  });

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
    header: headerConditions.optional(),
  })
  .strict()
  // An empty filter would act on every message in the mailbox.
  .refine(
    (filter) => Object.values(filter).some((value) => value !== undefined),
    'needs at least one criterion',
  )
  .openapi('BulkFilter', { description: 'The filters of the message list, as JSON; all combine with AND.' });

export type BulkFilterInput = z.output<typeof bulkFilterSchema>;

export function toMessageFilter(input: BulkFilterInput): MessageFilter {
  const { since, before, header, ...rest } = input;
  const filter: MessageFilter = { ...rest };
  if (since !== undefined) filter.since = parseInstant(since) ?? undefined;
  if (before !== undefined) filter.before = parseInstant(before) ?? undefined;
  if (header !== undefined) filter.headers = header;
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
