import createClient, { type Client } from 'openapi-fetch';
import { errorBody, withCappedBody } from './capped-body.js';
import { type Download, RedirectRefused, redirectTarget, toDownload } from './download.js';
import { MailgateError, unwrap } from './errors.js';
import type { components, paths } from './openapi.gen.js';
import { type Paged, paged } from './paging.js';

type Schemas = components['schemas'];
export type Account = Schemas['Account'];
export type Mailbox = Schemas['Mailbox'];
export type MessageSummary = Schemas['MessageSummary'];
export type MessagePage = Schemas['MessagePage'];
export type Message = Schemas['Message'];
export type Attachment = Schemas['Attachment'];
export type FlagChange = Schemas['FlagChange'];
export type MessageFlags = Schemas['MessageFlags'];
export type MessageRef = Schemas['MessageRef'];
export type Changes = Schemas['Changes'];
export type Thread = Schemas['Thread'];
export type ThreadPage = Schemas['ThreadPage'];

/** The typed openapi-fetch client over every route of the document. */
export type MailgateApi = Client<paths>;

const MAILBOXES = '/v1/accounts/{account}/mailboxes';
const LIST = '/v1/accounts/{account}/mailboxes/{mailbox}/messages';
const CHANGES = '/v1/accounts/{account}/mailboxes/{mailbox}/changes';
const THREADS = '/v1/accounts/{account}/mailboxes/{mailbox}/threads';
const MESSAGE = '/v1/accounts/{account}/messages/{id}';
const RAW = '/v1/accounts/{account}/messages/{id}/raw';
const ATTACHMENT = '/v1/accounts/{account}/messages/{id}/attachments/{attachmentId}';

type Query<Operation> = Operation extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** The document's `"true" | "false"` query parameters accept booleans too (`{ seen: false }`). */
type Booleans<Q> = {
  [K in keyof Q]?: NonNullable<Q[K]> extends 'true' | 'false'
    ? boolean | NonNullable<Q[K]>
    : NonNullable<Q[K]>;
};

/**
 * The list's filters, sort and page size, as the document types them
 * (`cursor` is the iterator's business), plus `header`: `{ 'List-Id': 'x' }`
 * sends `header.List-Id=x`.
 */
export type MessageListQuery = Booleans<Omit<Query<paths[typeof LIST]['get']>, 'cursor'>> & {
  header?: Record<string, string>;
};
export type GetMessageQuery = Booleans<Query<paths[typeof MESSAGE]['get']>>;
export type MailboxesQuery = Booleans<Query<paths[typeof MAILBOXES]['get']>>;
export type ThreadListQuery = Booleans<Omit<Query<paths[typeof THREADS]['get']>, 'cursor'>>;

/** Per call: a signal to abort it (a download's signal also aborts its body). */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface MailgateClientOptions {
  /** The gateway's origin (and base path, if any), e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** A bearer token (`mailgate token create`); sent on every request. */
  token: string;
  /** A fetch to use instead of `globalThis.fetch` (tests, proxies, other runtimes). */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * Where raw and attachment downloads go when they are served apart (the
   * deployed gateway's streaming endpoint). Without it, downloads go to
   * `baseUrl`; a 307/308 to the streaming endpoint is followed, with the
   * token, only to the origin of `baseUrl`, of `downloadBaseUrl` or one of
   * `downloadOrigins` (else the download fails with `redirect_refused`).
   */
  downloadBaseUrl?: string;
  /**
   * More origins (`https://host[:port]`) a download redirect may be followed
   * to with the token, e.g. the streaming endpoint's while downloads still
   * go to `baseUrl` first.
   */
  downloadOrigins?: readonly string[];
}

export interface MailgateClient {
  /** Every route, typed from the document, bearer token included; answers are openapi-fetch's `{ data, error, response }` (see `unwrap`). */
  api: MailgateApi;
  accounts(options?: CallOptions): Promise<Account[]>;
  mailboxes(account: string, query?: MailboxesQuery, options?: CallOptions): Promise<Mailbox[]>;
  /** One page of summaries; `cursor` is a previous page's `nextCursor`. */
  listMessages(
    account: string,
    mailbox: string,
    query?: MessageListQuery & { cursor?: string },
    options?: CallOptions,
  ): Promise<MessagePage>;
  /** Every matching summary, following `nextCursor` page by page as the loop asks. */
  messages(
    account: string,
    mailbox: string,
    query?: MessageListQuery,
    options?: CallOptions,
  ): Paged<MessageSummary, MessagePage>;
  getMessage(account: string, id: string, query?: GetMessageQuery, options?: CallOptions): Promise<Message>;
  /** `{ add, remove }` or `{ set }`; answers the flags the server reports after the change. */
  updateFlags(account: string, id: string, flags: FlagChange, options?: CallOptions): Promise<MessageFlags>;
  /** `to` is a mailbox path or a role (`~archive`); answers the message's new id. */
  moveMessage(account: string, id: string, to: string, options?: CallOptions): Promise<MessageRef>;
  copyMessage(account: string, id: string, to: string, options?: CallOptions): Promise<MessageRef>;
  /** Moved to Trash: its new ref. Removed for good (`permanent`, already in Trash, POP3): null. */
  deleteMessage(
    account: string,
    id: string,
    options?: CallOptions & { permanent?: boolean },
  ): Promise<MessageRef | null>;
  /** The RFC 5322 source, streamed. */
  downloadRaw(account: string, id: string, options?: CallOptions): Promise<Download>;
  /** One attachment's bytes (transfer-decoded only), streamed. */
  downloadAttachment(
    account: string,
    id: string,
    attachmentId: string,
    options?: CallOptions,
  ): Promise<Download>;
  /** Every conversation of a mailbox, newest first, following `nextCursor` page by page. */
  threads(
    account: string,
    mailbox: string,
    query?: ThreadListQuery,
    options?: CallOptions,
  ): Paged<Thread, ThreadPage>;
  /** The changes since `since`, a batch per request, asking again while `hasMore`; each batch's `state` is the next `since`. */
  changes(
    account: string,
    mailbox: string,
    since: string,
    options?: CallOptions & { maxChanges?: number },
  ): AsyncIterable<Changes>;
}

/** `true`/`false` as the document spells them; `header` as `header.NAME` parameters. */
function toQuery(query: Record<string, unknown> | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    if (name === 'header' && typeof value === 'object') {
      for (const [field, text] of Object.entries(value as Record<string, string>))
        out[`header.${field}`] = text;
    } else out[name] = typeof value === 'boolean' ? String(value) : (value as string | number);
  }
  return out;
}

/**
 * A client of the gateway's HTTP API. Every helper throws MailgateError for
 * an error answer and leaves network failures as fetch threw them; `api`
 * reaches any route with the document's types.
 */
export function createMailgateClient(options: MailgateClientOptions): MailgateClient {
  const authorization = `Bearer ${options.token}`;
  const fetchImpl = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const api = createClient<paths>({
    baseUrl: options.baseUrl,
    fetch: fetchImpl,
    headers: { Authorization: authorization },
  });

  /** The URL each (capped) error answer was asked at: where a download redirect is resolved from. */
  const askedAt = new WeakMap<Response, URL>();
  // openapi-fetch reads an error answer's body whole: hand it a copy capped at 64 KiB instead.
  api.use({
    async onResponse({ request, response }) {
      if (response.ok) return undefined;
      const capped = await withCappedBody(response);
      askedAt.set(capped, new URL(request.url));
      return capped;
    },
  });

  /** Where the token may follow a download redirect (see redirectTarget). */
  const tokenOrigins = new Set(
    [options.baseUrl, options.downloadBaseUrl, ...(options.downloadOrigins ?? [])]
      .filter((url): url is string => url !== undefined)
      .map((url) => new URL(url).origin),
  );
  /** The path downloads are asked under: what precedes the route in their URL. */
  const downloadBasePath = new URL(options.downloadBaseUrl ?? options.baseUrl).pathname.replace(/\/+$/, '');

  /** Streams a download; follows one 307/308 (to the streaming endpoint) with the token, by hand. */
  async function download(
    result: { error?: unknown; response: Response },
    signal: AbortSignal | undefined,
  ): Promise<Download> {
    let { response } = result;
    const requested = askedAt.get(response);
    const target = requested && followable(response, requested);
    if (target) {
      response = await fetchImpl(
        new Request(target, { headers: { Authorization: authorization }, redirect: 'manual', signal }),
      );
      if (!response.ok) throw MailgateError.fromResponse(response, await errorBody(response));
      return toDownload(response);
    }
    if (response.type === 'opaqueredirect') {
      throw new Error('the download was redirected and this runtime hides where to: set downloadBaseUrl');
    }
    if (!response.ok) throw MailgateError.fromResponse(response, result.error);
    return toDownload(response);
  }

  /** redirectTarget for a download asked at `requested`, a refusal thrown as a MailgateError. */
  function followable(response: Response, requested: URL): URL | undefined {
    const path = requested.pathname;
    const route = path.startsWith(downloadBasePath) ? path.slice(downloadBasePath.length) : path;
    try {
      return redirectTarget(response, requested, route, tokenOrigins);
    } catch (error) {
      if (!(error instanceof RedirectRefused)) throw error;
      throw new MailgateError(
        {
          type: 'about:blank',
          title: 'Redirect refused',
          status: response.status,
          detail: error.reason,
          code: 'redirect_refused',
        },
        response,
      );
    }
  }

  const downloadInit = (signal: AbortSignal | undefined) => ({
    parseAs: 'stream' as const,
    redirect: 'manual' as const,
    signal,
    ...(options.downloadBaseUrl === undefined ? {} : { baseUrl: options.downloadBaseUrl }),
  });

  const listMessages: MailgateClient['listMessages'] = async (account, mailbox, query, call) =>
    unwrap(
      await api.GET(LIST, {
        params: { path: { account, mailbox }, query: toQuery(query) as Query<paths[typeof LIST]['get']> },
        signal: call?.signal,
      }),
    );

  return {
    api,
    async accounts(call) {
      return unwrap(await api.GET('/v1/accounts', { signal: call?.signal }));
    },
    async mailboxes(account, query, call) {
      const answer = unwrap(
        await api.GET(MAILBOXES, {
          params: { path: { account }, query: toQuery(query) as Query<paths[typeof MAILBOXES]['get']> },
          signal: call?.signal,
        }),
      );
      return answer.mailboxes;
    },
    listMessages,
    messages(account, mailbox, query, call) {
      return paged(
        (cursor) =>
          listMessages(account, mailbox, { ...query, ...(cursor === undefined ? {} : { cursor }) }, call),
        (page) => page.messages,
      );
    },
    async getMessage(account, id, query, call) {
      return unwrap(
        await api.GET(MESSAGE, {
          params: { path: { account, id }, query: toQuery(query) as Query<paths[typeof MESSAGE]['get']> },
          signal: call?.signal,
        }),
      );
    },
    async updateFlags(account, id, flags, call) {
      return unwrap(
        await api.PATCH(MESSAGE, {
          params: { path: { account, id } },
          body: { flags },
          signal: call?.signal,
        }),
      );
    },
    async moveMessage(account, id, to, call) {
      return unwrap(
        await api.POST(`${MESSAGE}/move`, {
          params: { path: { account, id } },
          body: { to },
          signal: call?.signal,
        }),
      );
    },
    async copyMessage(account, id, to, call) {
      return unwrap(
        await api.POST(`${MESSAGE}/copy`, {
          params: { path: { account, id } },
          body: { to },
          signal: call?.signal,
        }),
      );
    },
    async deleteMessage(account, id, call) {
      const result = await api.DELETE(MESSAGE, {
        params: { path: { account, id }, query: call?.permanent ? { permanent: 'true' } : {} },
        signal: call?.signal,
      });
      if (result.response.status === 204) return null;
      return unwrap(result) ?? null;
    },
    async downloadRaw(account, id, call) {
      const init = downloadInit(call?.signal);
      return download(await api.GET(RAW, { params: { path: { account, id } }, ...init }), call?.signal);
    },
    async downloadAttachment(account, id, attachmentId, call) {
      const init = downloadInit(call?.signal);
      return download(
        await api.GET(ATTACHMENT, { params: { path: { account, id, attachmentId } }, ...init }),
        call?.signal,
      );
    },
    threads(account, mailbox, query, call) {
      return paged(
        async (cursor) =>
          unwrap(
            await api.GET(THREADS, {
              params: {
                path: { account, mailbox },
                query: toQuery({ ...query, cursor }) as Query<paths[typeof THREADS]['get']>,
              },
              signal: call?.signal,
            }),
          ),
        (page) => page.threads,
      );
    },
    async *changes(account, mailbox, since, call) {
      let state = since;
      for (;;) {
        const query =
          call?.maxChanges === undefined ? { since: state } : { since: state, maxChanges: call.maxChanges };
        const batch = unwrap(
          await api.GET(CHANGES, { params: { path: { account, mailbox }, query }, signal: call?.signal }),
        );
        yield batch;
        if (!batch.hasMore || batch.state === state) return;
        state = batch.state;
      }
    },
  };
}
