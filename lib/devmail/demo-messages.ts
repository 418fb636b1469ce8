import { buildBigMessage } from './big-message.js';
import type { SeedMessage } from './seed.js';

const PEOPLE = [
  ['Ada Lovelace', 'ada@analytical.example'],
  ['Grace Hopper', 'grace@navy.example'],
  ['Linus Pauling', 'linus@chem.example'],
  ['Zoë Müller', 'zoe@beispiel.example'],
  ['田中 花子', 'hanako@rei.example'],
  ['Олег Петров', 'oleg@primer.example'],
] as const;

const TOPICS = [
  'Quarterly report',
  'Lunch on Friday?',
  'Build failed on main',
  'Invoice #2026-114',
  'Re: holiday plans',
  'Slides for the review',
  'Your order has shipped',
  'Meeting notes',
];

function encodedWord(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

function dateFor(index: number): Date {
  return new Date(Date.UTC(2026, 10, 1, 8, 0, 0) + index * 3_600_000 * 7);
}

function plainMessage(index: number): string {
  const [name, address] = PEOPLE[index % PEOPLE.length]!;
  const subject = `${TOPICS[index % TOPICS.length]} (${index + 1})`;
  return [
    `From: ${encodedWord(name)} <${address}>`,
    'To: Demo User <demo@mailgate.example>',
    `Subject: ${subject}`,
    `Date: ${dateFor(index).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <demo-${index}@mailgate.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    `Hello,\r\n\r\nThis is demo message number ${index + 1} from ${name}.\r\n\r\n-- \r\n${name}`,
    '',
  ].join('\r\n');
}

function alternativeMessage(index: number): string {
  return [
    'From: Newsletter <news@mailgate.example>',
    'To: demo@mailgate.example',
    `Subject: =?ISO-8859-1?Q?Caf=E9_news_issue_${index}?=`,
    `Date: ${dateFor(index).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <news-${index}@mailgate.example>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Caf=E9 au lait is back on the menu.',
    '--alt',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Café au lait is <b>back</b> on the menu.</p>',
    '--alt--',
    '',
  ].join('\r\n');
}

function attachmentMessage(index: number): string {
  const csv = Buffer.from('month,revenue\r\nSeptember,1200\r\nOctober,1350\r\n', 'utf8').toString('base64');
  return [
    'From: Grace Hopper <grace@navy.example>',
    'To: demo@mailgate.example',
    `Subject: Figures for the report (${index})`,
    `Date: ${dateFor(index).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <figures-${index}@mailgate.example>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="mix"',
    '',
    '--mix',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The figures are attached.',
    '--mix',
    'Content-Type: text/csv; charset=utf-8; name="figures.csv"',
    "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9-figures.csv",
    'Content-Transfer-Encoding: base64',
    '',
    csv,
    '--mix--',
    '',
  ].join('\r\n');
}

/** A few dozen varied messages for the demo mailbox: plain, multipart, charsets, attachments, one large. */
export function demoMessages(): Array<{ mailbox: string; message: SeedMessage }> {
  const out: Array<{ mailbox: string; message: SeedMessage }> = [];
  for (let i = 0; i < 30; i++) {
    const kind = i % 5;
    const raw = kind === 3 ? alternativeMessage(i) : kind === 4 ? attachmentMessage(i) : plainMessage(i);
    const flags = i % 3 === 0 ? ['\\Seen'] : i % 7 === 0 ? ['\\Flagged'] : [];
    out.push({ mailbox: 'INBOX', message: { raw, flags, date: dateFor(i) } });
  }
  out.push({
    mailbox: 'INBOX',
    message: {
      raw: buildBigMessage(2 * 1024 * 1024, { subject: 'A 2 MB attachment' }).raw,
      date: dateFor(31),
    },
  });
  for (let i = 0; i < 4; i++)
    out.push({ mailbox: 'Sent', message: { raw: plainMessage(40 + i), flags: ['\\Seen'] } });
  out.push({ mailbox: 'Archive/2025', message: { raw: plainMessage(50), flags: ['\\Seen'] } });
  return out;
}
