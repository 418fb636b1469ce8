import { z } from '@hono/zod-openapi';
import { opaqueId, opaqueToken, queryInteger } from '../../input-limits.js';
import { mailboxParams } from '../../schemas/mailbox.schema.js';
import { messageSummarySchema } from '../../schemas/message.schema.js';

export const DEFAULT_THREAD_PAGE = 25;
export const MAX_THREAD_PAGE = 100;

export const threadListQuery = z.object({
  cursor: opaqueToken.optional().openapi({ description: 'Opaque cursor from the previous page.' }),
  limit: queryInteger(1, MAX_THREAD_PAGE).optional().openapi({ default: DEFAULT_THREAD_PAGE }),
});

export const threadParams = mailboxParams.extend({
  threadId: opaqueId.openapi({
    param: { name: 'threadId', in: 'path' },
    description: 'Opaque thread id, as the thread list answered it.',
    example: 't1.MTc2NDc3OTIwMC4xLmFCY0RlRmdIaUo',
  }),
});

const partial = z
  .boolean()
  .optional()
  .openapi({
    description:
      "Set when the server has no THREAD (RFC 5256): threads were built from the newest 500 messages' " +
      'Message-ID, In-Reply-To and References only, so older messages of a thread are missing and older ' +
      "threads are not listed. On a thread's answer, also set when the thread has more than the 500 newest " +
      'messages it carries.',
  });

export const threadSchema = z
  .object({
    threadId: z.string().openapi({
      description:
        "Opaque. Stays the same while the thread's first message is in the mailbox, new replies included.",
      example: 't1.MTc2NDc3OTIwMC4xLmFCY0RlRmdIaUo',
    }),
    messageIds: z.array(z.string()).openapi({
      description:
        "The thread's message ids, oldest first: its newest 100 at most (`count` is the whole thread's; `GET …/threads/{threadId}` gives up to 500).",
    }),
    count: z.number().int().openapi({ example: 4 }),
    latest: messageSummarySchema.openapi({
      description: 'The summary of the message that arrived last, its `threadId` set.',
    }),
  })
  .openapi('Thread');

export const threadPageSchema = z
  .object({
    threads: z
      .array(threadSchema)
      .openapi({ description: 'Newest first: the thread whose latest message arrived last.' }),
    nextCursor: z.string().nullable(),
    partial,
  })
  .openapi('ThreadPage', {
    example: {
      threads: [
        {
          threadId: 't1.MTc2NDc3OTIwMC4xLmFCY0RlRmdIaUo',
          messageIds: ['iAQAAAABAAAAAUlOQk9Y', 'iAQAAAABAAAAA0lOQk9Y'],
          count: 2,
          latest: {
            id: 'iAQAAAABAAAAA0lOQk9Y',
            mailbox: 'INBOX',
            uid: 3,
            flags: [],
            seen: false,
            flagged: false,
            answered: false,
            draft: false,
            receivedAt: '2026-12-03T09:12:00.000Z',
            date: '2026-12-03T09:11:58.000Z',
            size: 2048,
            subject: 'Re: Quarterly report',
            from: { name: 'Bob', address: 'bob@example.com' },
            to: [{ name: 'Alice', address: 'alice@example.com' }],
            cc: [],
            bcc: [],
            replyTo: [],
            messageId: 'reply-1@example.com',
            inReplyTo: 'report@example.com',
            references: ['report@example.com'],
            hasAttachments: false,
            preview: 'Thanks, the report looks good.',
            threadId: 't1.MTc2NDc3OTIwMC4xLmFCY0RlRmdIaUo',
          },
        },
      ],
      nextCursor: null,
    },
  });

export const threadDetailSchema = z
  .object({
    threadId: z.string(),
    messages: z
      .array(messageSummarySchema)
      .openapi({ description: "The thread's summaries, oldest first, each with its `threadId`." }),
    partial,
  })
  .openapi('ThreadDetail', {
    example: {
      threadId: 't1.MTc2NDc3OTIwMC4xLmFCY0RlRmdIaUo',
      messages: [
        {
          id: 'iAQAAAABAAAAAUlOQk9Y',
          mailbox: 'INBOX',
          uid: 1,
          flags: ['\\Seen'],
          seen: true,
          flagged: false,
          answered: true,
          draft: false,
          receivedAt: '2026-12-02T16:40:00.000Z',
          date: '2026-12-02T16:39:57.000Z',
          size: 1830,
          subject: 'Quarterly report',
          from: { name: 'Alice', address: 'alice@example.com' },
          to: [{ name: 'Bob', address: 'bob@example.com' }],
          cc: [],
          bcc: [],
          replyTo: [],
          messageId: 'report@example.com',
          inReplyTo: null,
          references: [],
          hasAttachments: true,
          preview: 'The quarterly report is attached.',
          threadId: 't1.MTc2NDc3OTIwMC4xLmFCY0RlRmdIaUo',
        },
      ],
    },
  });
