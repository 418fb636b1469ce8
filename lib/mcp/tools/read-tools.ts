import { z } from 'zod';
import type { Account } from '../../credentials/account.js';
import { hasLoneSurrogate } from '../../http/input-limits.js';
import {
  buildListQuery,
  HEADER_FILTER_PREFIX,
  headerFilters,
  listQuerySchema,
} from '../../http/list-query.js';
import { parseMailboxTarget } from '../../http/mailbox-ref.js';
import { displayMessage } from '../../http/routes/messages/message-display.js';
import { withLinks } from '../../http/routes/messages/message-links.js';
import { WAIT_MARGIN_MS, waitSeconds } from '../../http/routes/sync/sync.handlers.js';
import { mailboxListQuery } from '../../http/schemas/mailbox.schema.js';
import { messageQuery } from '../../http/schemas/message.schema.js';
import { MAX_WAIT_SECONDS, waitQuery } from '../../http/schemas/sync.schema.js';
import { ConfigurationError, InvalidRequestError, UnsupportedOperationError } from '../../mail/errors.js';
import { MAX_BODY_TEXT_BYTES } from '../../mail/read-limits.js';
import { isDefaultSort, type ListSort, type MessageSummary } from '../../mail/types.js';
import { toolResult } from '../results.js';
import type { McpSession } from '../session.js';
import { jsonTypedShape, parseAsQuery } from '../tool-input.js';
import {
  accountField,
  addressText,
  clip,
  compact,
  mailboxField,
  messageIdField,
  parsed,
  type ToolSpec,
} from './define.js';

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, openWorldHint: false } as const;

/** Rows the text part of a list shows; the JSON part has them all. */
const TEXT_ROWS = 50;

function callTimeout(session: McpSession): number {
  return session.deps.config.MAILGATE_REQUEST_TIMEOUT_MS;
}

/** As lib/http's requireSort: a sort the account cannot give is refused before connecting. */
function requireSort(session: McpSession, account: Account, sort: ListSort | undefined): void {
  if (sort === undefined || isDefaultSort(sort)) return;
  if (account.protocol === 'pop3') {
    throw new UnsupportedOperationError('POP3 accounts list in arrival order only, newest first.');
  }
  if (!session.deps.stores.capabilities(account).sort.includes(sort.key)) {
    throw new UnsupportedOperationError(`This IMAP account cannot sort by ${sort.key}.`);
  }
}

const listAccounts: ToolSpec = {
  name: 'list_accounts',
  description: 'The mail accounts this token may use, with what each can do (its capabilities).',
  inputSchema: {},
  annotations: { title: 'List accounts', ...READ_ONLY },
  write: false,
  async run(session) {
    const { credentials, stores, logger } = session.deps;
    const accounts = [];
    for (const id of await session.accountIds()) {
      let account: Account | undefined;
      try {
        account = await credentials.getAccount(id);
      } catch (error) {
        // As the HTTP list: one malformed document must not hide every other account.
        if (!(error instanceof ConfigurationError)) throw error;
        logger.error('stored account skipped: its document is malformed', { account: id, error });
        continue;
      }
      if (account)
        accounts.push({
          id: account.id,
          protocol: account.protocol,
          capabilities: stores.capabilities(account),
        });
    }
    const text =
      accounts.length === 0 ? 'No accounts.' : accounts.map((a) => `${a.id} (${a.protocol})`).join('\n');
    return toolResult({ accounts }, text);
  },
};

const listMailboxes: ToolSpec = {
  name: 'list_mailboxes',
  description: "An account's mailboxes (folders) with their roles; `counts` adds total and unseen.",
  inputSchema: { account: accountField, ...jsonTypedShape(mailboxListQuery.shape) },
  annotations: { title: 'List mailboxes', ...READ_ONLY },
  write: false,
  async run(session, args, cancel) {
    const query = parsed(parseAsQuery(mailboxListQuery, args));
    const account = await session.account(args.account as string);
    const counts = query.counts === 'true';
    const mailboxes = await session.withStore(account, { timeoutMs: callTimeout(session), cancel }, (store) =>
      store.listMailboxes({ counts }),
    );
    const rows = mailboxes.map((m) => {
      const role = m.role ? ` (~${m.role})` : '';
      const numbers = m.total === undefined ? '' : `: ${m.total} messages, ${m.unseen ?? '?'} unseen`;
      return `${m.path}${role}${numbers}`;
    });
    return toolResult(
      {
        mailboxes: mailboxes.map((m) =>
          compact({ path: m.path, role: m.role, total: m.total, unseen: m.unseen }),
        ),
      },
      rows.join('\n') || 'No mailboxes.',
    );
  },
};

function summaryLine(m: Partial<MessageSummary>): string {
  const marks = [
    m.seen === false ? 'unread' : '',
    m.flagged ? 'flagged' : '',
    m.hasAttachments ? 'attachments' : '',
  ]
    .filter(Boolean)
    .join(', ');
  const from = addressText(m.from);
  return `${m.id} | ${m.date ?? m.receivedAt ?? ''} | ${clip(from, 60)} | ${clip(m.subject ?? '(no subject)', 100)}${marks ? ` [${marks}]` : ''}`;
}

/** The list's own fields (`fields` selects among them); by default those a reader needs to pick a message. */
const DEFAULT_SUMMARY_FIELDS =
  'id,mailbox,date,from,to,subject,seen,flagged,answered,hasAttachments,preview,size';

const searchMessages: ToolSpec = {
  name: 'search_messages',
  description:
    'Lists the messages of a mailbox, newest first, with the HTTP list filters (seen, flagged, from, to, cc, ' +
    'subject, text, body, since, before, larger, smaller, header filters as `headers: {Name: value}`), ' +
    '`sort`/`order`, and paging: pass `nextCursor` back as `cursor` for the next page. Each message has an ' +
    '`id` for get_message and the write tools.',
  inputSchema: {
    account: accountField,
    mailbox: mailboxField,
    ...jsonTypedShape(listQuerySchema.shape),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'Header filters, all must match: `{"List-Id": "dev"}`; an empty value means the header is present.',
      ),
  },
  annotations: { title: 'Search messages', ...READ_ONLY },
  write: false,
  async run(session, args, cancel) {
    const input = parsed(
      parseAsQuery(listQuerySchema, { ...args, fields: args.fields ?? DEFAULT_SUMMARY_FIELDS }),
    );
    const headerArgs = (args.headers ?? {}) as Record<string, string>;
    // A JSON string can carry a lone surrogate that no query string can: refused as the list's own filters are.
    for (const [name, value] of Object.entries(headerArgs)) {
      if (hasLoneSurrogate(name) || hasLoneSurrogate(value)) {
        throw new InvalidRequestError('A header filter must be well-formed Unicode (no lone surrogate).');
      }
    }
    const headers = headerFilters(
      Object.fromEntries(
        Object.entries(headerArgs).map(([name, value]) => [`${HEADER_FILTER_PREFIX}${name}`, [value]]),
      ),
    );
    const query = buildListQuery(input, headers);
    const account = await session.account(args.account as string);
    requireSort(session, account, query.sort);
    const mailbox = parseMailboxTarget(args.mailbox as string);
    const page = await session.withStore(account, { timeoutMs: callTimeout(session), cancel }, (store) =>
      store.listMessages(mailbox, query),
    );
    const fields = query.fields;
    const messages = page.messages.map((message) => {
      const selected: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(message))
        if (!fields || fields.has(key)) selected[key] = value;
      return compact(selected) as Partial<MessageSummary>;
    });
    const lines = messages.slice(0, TEXT_ROWS).map(summaryLine);
    if (messages.length > TEXT_ROWS) lines.push(`… ${messages.length - TEXT_ROWS} more in the JSON answer`);
    lines.push(page.total === null ? '' : `${page.total} matching in all.`);
    if (page.nextCursor) lines.push(`More: call again with cursor "${page.nextCursor}".`);
    return toolResult(
      compact({ messages, nextCursor: page.nextCursor, total: page.total, partial: page.partial }),
      lines.filter(Boolean).join('\n') || 'No messages.',
    );
  },
};

const messageOptions = messageQuery.pick({ maxBodyBytes: true, markSeen: true, images: true });

/**
 * The text body get_message answers by default, far below the HTTP API's
 * MAX_BODY_TEXT_BYTES: every byte of an answer is read by a model, and a
 * mail's point is nearly always in its first pages. `maxBodyBytes` asks for
 * more (up to MAX_BODY_TEXT_BYTES); `textTruncated` says when it was cut.
 */
export const MCP_DEFAULT_BODY_BYTES = 64 * 1024;

/** Characters of the text body in the text part; the JSON part holds it all (`text`). */
const TEXT_PART_BODY_CHARS = 2000;

const getMessage: ToolSpec = {
  name: 'get_message',
  description:
    'One message: its headers of note, its text body (made from the HTML when it has only HTML), and its ' +
    'attachments (id, filename, type, size; read a text attachment with get_attachment_text). `safeHtml: true` ' +
    'adds the HTML body sanitised for display (remote images blocked unless `images: "keep"`). `markSeen` needs ' +
    'a write token. ' +
    `The text is cut at \`maxBodyBytes\` (default ${MCP_DEFAULT_BODY_BYTES} here, at most ${MAX_BODY_TEXT_BYTES}; ` +
    '`textTruncated` says so).',
  inputSchema: {
    account: accountField,
    id: messageIdField,
    safeHtml: z.boolean().optional().describe('Also return the HTML body, sanitised (as `?html=safe`).'),
    ...jsonTypedShape(messageOptions.shape),
  },
  annotations: { title: 'Get a message', ...READ_ONLY },
  write: false,
  async run(session, args, cancel) {
    const options = parsed(parseAsQuery(messageOptions, args));
    const markSeen = options.markSeen === 'true';
    if (markSeen) await session.requireWrite();
    const safeHtml = args.safeHtml === true;
    const display = {
      body: safeHtml ? 'both' : 'text',
      html: safeHtml ? 'safe' : 'raw',
      images: options.images ?? 'block',
      headers: 'decoded',
      maxBodyBytes: Math.min(options.maxBodyBytes ?? MCP_DEFAULT_BODY_BYTES, MAX_BODY_TEXT_BYTES),
    } as const;
    const account = await session.account(args.account as string);
    const id = args.id as string;
    const message = await session.withStore(account, { timeoutMs: callTimeout(session), cancel }, (store) =>
      store.getMessage(null, id, { body: display.body, maxBodyBytes: display.maxBodyBytes, markSeen }),
    );
    // Links are relative: over stdio there is no origin, and the answer needs none to be read.
    const shown = await displayMessage(withLinks(message, '', account.id), display);
    const attachments = shown.attachments.map((a) =>
      compact({
        id: a.id,
        filename: a.filename,
        contentType: a.contentType,
        size: a.size,
        disposition: a.disposition,
      }),
    );
    const data = compact({
      id: shown.id,
      mailbox: shown.mailbox,
      date: shown.date,
      receivedAt: shown.receivedAt,
      from: shown.from,
      to: shown.to,
      cc: shown.cc,
      replyTo: shown.replyTo,
      subject: shown.subject,
      messageId: shown.messageId,
      flags: shown.flags,
      text: shown.text,
      textTruncated: shown.textTruncated || undefined,
      textFromHtml: shown.textFromHtml || undefined,
      html: safeHtml ? shown.html : undefined,
      htmlTruncated: safeHtml && shown.htmlTruncated ? true : undefined,
      imagesBlocked: shown.imagesBlocked,
      attachments,
    });
    const lines = [
      `From: ${addressText(shown.from)}`,
      `To: ${shown.to.map(addressText).join(', ')}`,
      ...(shown.cc.length > 0 ? [`Cc: ${shown.cc.map(addressText).join(', ')}`] : []),
      `Date: ${shown.date ?? shown.receivedAt ?? ''}`,
      `Subject: ${shown.subject ?? ''}`,
      `Flags: ${shown.flags.join(' ') || '(none)'}`,
      '',
      // The whole text is in the JSON part: sent twice, a long mail would cost its length twice.
      shown.text === null || shown.text === undefined
        ? '(no text body)'
        : clip(shown.text, TEXT_PART_BODY_CHARS),
      ...(shown.text && shown.text.length > TEXT_PART_BODY_CHARS
        ? [`[${shown.text.length} characters in all: the whole text is the JSON answer's \`text\`]`]
        : []),
      ...(shown.textTruncated ? ['[text truncated: pass a larger maxBodyBytes for more]'] : []),
      ...(attachments.length > 0
        ? [
            '',
            'Attachments:',
            ...attachments.map(
              (a) => `- ${a.filename ?? '(unnamed)'} (${a.contentType}, ${a.size} bytes) id ${a.id}`,
            ),
          ]
        : []),
    ];
    return toolResult(data, lines.join('\n'));
  },
};

const waitOptions = waitQuery.partial({ since: true });

const waitForChange: ToolSpec = {
  name: 'wait_for_change',
  description:
    `Waits until a mailbox changes (new, removed or reflagged messages), at most \`timeout\` seconds (1–${MAX_WAIT_SECONDS}, ` +
    `default ${MAX_WAIT_SECONDS}), using IMAP IDLE. Answers \`changed\` and a \`state\`: pass it as \`since\` next ` +
    'time so nothing between two waits is missed. Without `since` it waits from now. IMAP with CONDSTORE only.',
  inputSchema: { account: accountField, mailbox: mailboxField, ...jsonTypedShape(waitOptions.shape) },
  annotations: { title: 'Wait for a change', ...READ_ONLY },
  write: false,
  async run(session, args, cancel) {
    const query = parsed(parseAsQuery(waitOptions, args));
    const timeout = waitSeconds(
      query.timeout ?? MAX_WAIT_SECONDS,
      session.deps.config.MAILGATE_MAX_REQUEST_MS,
    );
    const account = await session.account(args.account as string);
    session.requireCapability(account, 'wait');
    const mailbox = parseMailboxTarget(args.mailbox as string);
    const timeoutMs = callTimeout(session) + timeout * 1000 + WAIT_MARGIN_MS;
    const result = await session.withStore(account, { timeoutMs, cancel }, async (store) => {
      let since = query.since;
      if (since === undefined) {
        const status = await store.getMailbox(mailbox);
        if (status.state === null) throw new UnsupportedOperationError('This mailbox cannot report changes.');
        since = status.state;
      }
      return store.wait(mailbox, since, timeout);
    });
    const text = result.changed
      ? `The mailbox changed. Next state: ${result.state}`
      : `No change within ${timeout} s. Next state: ${result.state}`;
    return toolResult({ changed: result.changed, state: result.state }, text);
  },
};

export const READ_TOOLS: readonly ToolSpec[] = [
  listAccounts,
  listMailboxes,
  searchMessages,
  getMessage,
  waitForChange,
];
