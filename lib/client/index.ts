/**
 * `mailgate/client`: a small typed client of the gateway's HTTP API for
 * Node, browsers and mobile runtimes. It imports openapi-fetch and the
 * types generated from the served OpenAPI document, nothing of the server.
 *
 * ```ts
 * import { createMailgateClient } from 'mailgate/client';
 * const mail = createMailgateClient({ baseUrl: 'http://127.0.0.1:8787', token });
 * for await (const m of mail.messages('me', '~inbox', { seen: false })) console.log(m.subject);
 * ```
 */
export {
  type Account,
  type Attachment,
  type CallOptions,
  type Changes,
  createMailgateClient,
  type FlagChange,
  type GetMessageQuery,
  type Mailbox,
  type MailboxesQuery,
  type MailgateApi,
  type MailgateClient,
  type MailgateClientOptions,
  type Message,
  type MessageFlags,
  type MessageListQuery,
  type MessagePage,
  type MessageRef,
  type MessageSummary,
  type Thread,
  type ThreadListQuery,
  type ThreadPage,
} from './client.js';
export type { Download } from './download.js';
export { MailgateError, type Problem, type ProblemBody, type ProblemCode, unwrap } from './errors.js';
export type { components, operations, paths } from './openapi.gen.js';
export type { Paged } from './paging.js';
