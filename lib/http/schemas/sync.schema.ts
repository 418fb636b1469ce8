import { z } from '@hono/zod-openapi';
import { opaqueId, queryInteger } from '../input-limits.js';
import { messageSummarySchema } from './message.schema.js';

export const DEFAULT_MAX_CHANGES = 500;
export const MAX_MAX_CHANGES = 1000;
export const MAX_WAIT_SECONDS = 25;

const since = opaqueId.openapi({
  description: 'A `state` from the mailbox status or from an earlier `changes`/`wait` answer.',
});

export const changesQuery = z.object({
  since,
  maxChanges: queryInteger(1, MAX_MAX_CHANGES)
    .optional()
    .openapi({ default: DEFAULT_MAX_CHANGES, description: 'At most this many changes per answer.' }),
});

export const changesSchema = z
  .object({
    state: z.string().openapi({ description: 'The state to pass as `since` next time.' }),
    created: z.array(messageSummarySchema),
    updated: z.array(z.object({ id: z.string(), flags: z.array(z.string()) })),
    removed: z.array(z.string()),
    removedComplete: z.boolean().openapi({
      description:
        'False when the server cannot report removals (no QRESYNC): `removed` is then empty and the ' +
        'client must compare its list of ids with the mailbox to learn them.',
    }),
    hasMore: z.boolean().openapi({ description: 'More changes remain: call again with `state`.' }),
  })
  .openapi('Changes');

export const waitQuery = z.object({
  since,
  timeout: queryInteger(1, MAX_WAIT_SECONDS)
    .optional()
    .openapi({
      default: MAX_WAIT_SECONDS,
      description: `Seconds to wait for a change, 1 to ${MAX_WAIT_SECONDS}.`,
    }),
});

export const waitResultSchema = z
  .object({
    changed: z.boolean(),
    state: z.string().openapi({
      description:
        'The state now. To learn what changed, call `changes` with the state you passed as `since`; use this one for the next wait.',
    }),
  })
  .openapi('WaitResult');
