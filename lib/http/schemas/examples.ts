/**
 * Example bodies for the OpenAPI document: one mailbox, one message and
 * what the routes answer about them, consistent with each other (the same
 * ids throughout). Documentation only: nothing validates or answers with
 * them. `npm run lint:openapi` checks each against its schema.
 */

const ID = 'iAQAAAABAAAAKklOQk9Y';
const MOVED_ID = 'iAQAAAACAAAAB0FyY2hpdmU';
const THREAD_ID = 't1.MTc2NDc3OTIwMC4xLmFCY0RlRmdIaUo';
const STATE = 's1.AQAAAAEAAAAr';

export const ACCOUNT_EXAMPLE = {
  id: 'work',
  protocol: 'imap',
  capabilities: {
    mailboxes: true,
    flags: true,
    move: true,
    copy: true,
    append: true,
    changes: true,
    wait: true,
    bulk: true,
    filters: [
      'seen',
      'flagged',
      'answered',
      'draft',
      'from',
      'to',
      'cc',
      'subject',
      'text',
      'since',
      'before',
    ],
    sort: ['arrival', 'date', 'from', 'subject', 'size'],
    threads: true,
  },
} as const;

export const ACCOUNT_LIST_EXAMPLE = [ACCOUNT_EXAMPLE];

export const MAILBOX_EXAMPLE = {
  path: 'Projects/2026',
  name: '2026',
  parent: 'Projects',
  delimiter: '/',
  role: null,
  specialUse: null,
  subscribed: true,
} as const;

export const MAILBOX_LIST_EXAMPLE = {
  mailboxes: [
    {
      path: 'INBOX',
      name: 'INBOX',
      parent: null,
      delimiter: '/',
      role: 'inbox',
      specialUse: null,
      subscribed: true,
    },
    {
      path: 'Sent',
      name: 'Sent',
      parent: null,
      delimiter: '/',
      role: 'sent',
      specialUse: '\\Sent',
      subscribed: true,
    },
    MAILBOX_EXAMPLE,
  ],
};

export const MAILBOX_STATUS_EXAMPLE = {
  path: 'INBOX',
  name: 'INBOX',
  role: 'inbox',
  total: 42,
  unseen: 3,
  uidNext: 43,
  uidValidity: '1',
  highestModseq: '1337',
  state: STATE,
} as const;

export const MAILBOX_PATH_EXAMPLE = { path: 'Projects/2026' };

export const MESSAGE_SUMMARY_EXAMPLE = {
  id: ID,
  mailbox: 'INBOX',
  uid: 42,
  flags: ['\\Seen'],
  seen: true,
  flagged: false,
  answered: false,
  draft: false,
  receivedAt: '2026-12-03T09:12:00.000Z',
  date: '2026-12-03T09:11:58.000Z',
  size: 18_204,
  subject: 'Quarterly figures',
  from: { name: 'Bob', address: 'bob@example.com' },
  to: [{ name: 'Alice', address: 'alice@example.com' }],
  cc: [],
  bcc: [],
  replyTo: [],
  messageId: 'figures-q4@example.com',
  inReplyTo: null,
  references: [],
  hasAttachments: true,
  preview: 'Hi Alice, the quarterly figures are in. Please review them before Friday.',
};

export const MESSAGE_PAGE_EXAMPLE = {
  messages: [MESSAGE_SUMMARY_EXAMPLE],
  nextCursor: 'c1.eyJ1IjozN30',
  total: 42,
};

export const MESSAGE_EXAMPLE = {
  ...MESSAGE_SUMMARY_EXAMPLE,
  headers: [
    { name: 'From', value: 'Bob <bob@example.com>' },
    { name: 'To', value: 'Alice <alice@example.com>' },
    { name: 'Subject', value: 'Quarterly figures' },
  ],
  text: 'Hi Alice,\n\nthe quarterly figures are in. Please review them before Friday.\n\nBob\n',
  textFromHtml: false,
  html: null,
  textTruncated: false,
  htmlTruncated: false,
  encodingProblem: false,
  attachments: [
    {
      id: '2',
      filename: 'figures.xlsx',
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      size: 16_384,
      disposition: 'attachment',
      contentId: null,
      downloadUrl: `https://mail.example.com/v1/accounts/work/messages/${ID}/attachments/2`,
    },
  ],
  structureTruncated: false,
  rawUrl: `https://mail.example.com/v1/accounts/work/messages/${ID}/raw`,
};

/** A short message, as `message/rfc822` bytes. */
export const RAW_MESSAGE_EXAMPLE =
  'From: Bob <bob@example.com>\r\nTo: Alice <alice@example.com>\r\nSubject: Quarterly figures\r\n' +
  'Date: Thu, 03 Dec 2026 09:11:58 +0000\r\nMessage-ID: <figures-q4@example.com>\r\n\r\n' +
  'Hi Alice,\r\n\r\nthe quarterly figures are in.\r\n';

export const APPEND_JSON_EXAMPLE = {
  raw: Buffer.from(RAW_MESSAGE_EXAMPLE).toString('base64'),
  flags: ['\\Seen'],
  date: '2026-12-03T09:11:58.000Z',
};

export const APPEND_RESULT_EXAMPLE = { id: ID };

export const MESSAGE_UPDATE_EXAMPLE = { flags: { add: ['\\Flagged'], remove: ['\\Seen'] } };

export const MESSAGE_FLAGS_EXAMPLE = { id: ID, flags: ['\\Flagged'] };

export const MESSAGE_TRANSFER_EXAMPLE = { to: 'Archive' };

export const MESSAGE_REF_EXAMPLE = { id: MOVED_ID, mailbox: 'Archive' };

export const BULK_REQUEST_EXAMPLE = { ids: [ID], action: 'move', to: 'Archive' };

export const BULK_RESULT_EXAMPLE = { matched: 1, done: 1, failed: [], ids: { [ID]: MOVED_ID } };

export const CHANGES_EXAMPLE = {
  state: 's1.AQAAAAEAAAAs',
  created: [MESSAGE_SUMMARY_EXAMPLE],
  updated: [{ id: 'iAQAAAABAAAAKUlOQk9Y', flags: ['\\Seen', '\\Answered'] }],
  removed: ['iAQAAAABAAAAJ0lOQk9Y'],
  removedComplete: true,
  hasMore: false,
};

export const WAIT_RESULT_EXAMPLE = { changed: true, state: STATE };

export const THREAD_DETAIL_EXAMPLE = {
  threadId: THREAD_ID,
  messages: [{ ...MESSAGE_SUMMARY_EXAMPLE, threadId: THREAD_ID }],
};

export const THREAD_PAGE_EXAMPLE = {
  threads: [
    {
      threadId: THREAD_ID,
      messageIds: [ID],
      count: 1,
      latest: { ...MESSAGE_SUMMARY_EXAMPLE, threadId: THREAD_ID },
    },
  ],
  nextCursor: null,
};

const WEBHOOK = {
  id: 'wh_4f9c2a7e1b3d',
  url: 'https://hooks.example.com/mail',
  mailboxes: ['INBOX'],
  events: ['message.created'],
  status: 'active',
  lastError: null,
  nextRetryAt: null,
  disabledReason: null,
  createdAt: '2026-12-03T09:00:00.000Z',
  updatedAt: '2026-12-03T09:00:00.000Z',
};

export const WEBHOOK_REQUEST_EXAMPLE = {
  url: 'https://hooks.example.com/mail',
  mailboxes: ['INBOX'],
  events: ['message.created'],
};

export const WEBHOOK_UPDATE_EXAMPLE = { status: 'active' };

export const WEBHOOK_EXAMPLE = WEBHOOK;

export const CREATED_WEBHOOK_EXAMPLE = { ...WEBHOOK, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };

export const WEBHOOK_LIST_EXAMPLE = { webhooks: [WEBHOOK] };

export const QUEUED_PING_EXAMPLE = { id: 'ev_7d1e5c0a9b2f', type: 'ping' };

export const STORED_ACCOUNT_EXAMPLE = {
  id: 'alice',
  protocol: 'imap',
  host: 'outlook.office365.com',
  port: 993,
  tls: 'implicit',
  user: 'alice@contoso.com',
  auth: 'oauth2',
  oauth2: {
    provider: 'microsoft',
    tenant: 'contoso.onmicrosoft.com',
    clientId: '00000000-0000-0000-0000-000000000000',
    refreshable: true,
  },
  verified: true,
  server: { name: null, capabilities: ['AUTH=XOAUTH2', 'IDLE', 'IMAP4rev1', 'MOVE'] },
};

export const TOKEN_REQUEST_EXAMPLE = { accounts: ['alice'], scope: 'read', label: 'alice phone app' };

const TOKEN = {
  id: 'k3v9q2m7x1ab',
  scope: 'read',
  accounts: ['alice'],
  label: 'alice phone app',
  createdAt: '2026-11-02T09:00:00.000Z',
};

export const CREATED_TOKEN_EXAMPLE = {
  ...TOKEN,
  token: 'mg_k3v9q2m7x1ab_7yK1c2VvZ3h0LXNlY3JldC1ub3QtYS1yZWFsLXRva2V',
};

export const TOKEN_LIST_EXAMPLE = { tokens: [TOKEN] };
