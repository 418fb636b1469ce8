import { encodeImapMessageId } from '../../lib/mail/ids.js';
import type { Message } from '../../lib/mail/types.js';
import { buildMailbox, buildMessage, type MemoryData } from './memory-store.js';

/**
 * An INBOX of `count` messages that look like mail: different senders and
 * subjects, real-length ids and Message-IDs, flags, and a preview of
 * ordinary words on each (short, a few sentences or the full 256
 * characters, in turn; or all short), so sizes measured on it (compression) are close to
 * what a real mailbox answers. Deterministic: the same data on every call.
 */
export function buildRealisticInbox(count = 50, options: { previews?: 'short' | 'mixed' } = {}): MemoryData {
  const previews = options.previews ?? 'mixed';
  let seed = 0x2f6e2b1;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    // The high bits: an LCG's low bits repeat with a short period.
    return seed >>> 8;
  };
  const pick = <T>(items: readonly T[]): T => items[next() % items.length]!;
  const hex = (length: number) => Array.from({ length }, () => (next() % 16).toString(16)).join('');

  const people = [
    ['Olivia Martin', 'olivia.martin@northwind.example'],
    ['Lukas Becker', 'l.becker@contoso.example'],
    ['Priya Raman', 'priya@fabrikam.example'],
    ['GitHub', 'notifications@github.example'],
    ['Amazon.de', 'versandbestaetigung@amazon.example'],
    ['Sofia Rossi', 'sofia.rossi@tailspin.example'],
    ['Calendar', 'calendar-notification@google.example'],
    ['Henrik Larsen', 'henrik@wingtip.example'],
    ['Newsletter', 'news@litware.example'],
    ['Chen Wei', 'wei.chen@adatum.example'],
  ] as const;
  const subjects = [
    'Re: Quarterly report draft',
    'Your order has shipped',
    'Invitation: Project sync @ Tue 10:00',
    '[mailgate] Pull request #412: pipeline the first fetch',
    'Lunch on Friday?',
    'Invoice 2026-1187 for November',
    'Fwd: Contract renewal — please review',
    'Weekly digest: 14 new posts in your groups',
    'Re: Re: Travel plans for the conference',
    'Password changed for your account',
  ];
  const words = (
    'the a to of and in that is for it on with as was at by this we you be are from have not or ' +
    'meeting report attached please find below thanks regards review update week project team ' +
    'schedule tomorrow budget numbers draft comments changes order delivery invoice account ' +
    'Monday Tuesday Friday morning afternoon call notes agenda follow question answer soon'
  ).split(' ');
  const sentence = (length: number) => {
    const text = Array.from({ length }, () => pick(words)).join(' ');
    return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
  };

  const messages: Message[] = [];
  for (let i = 0; i < count; i++) {
    const uid = 1200 + i * 3;
    const [name, address] = pick(people);
    const seen = next() % 3 !== 0;
    const flagged = next() % 9 === 0;
    const flags = [...(seen ? ['\\Seen'] : []), ...(flagged ? ['\\Flagged'] : [])];
    const at = new Date(Date.UTC(2026, 10, 1) + i * 3_600_000 * 7 + (next() % 3_600_000));
    // Previews as a mailbox has them: a third short (notifications, one-line replies), a third of a few
    // sentences, a third cut at the 256 characters of RFC 8970.
    // `short`: every preview one line, as on the mail the benchmarks seed.
    const previewLength = previews === 'short' ? 70 : [70, 160, 256][i % 3]!;
    let preview = sentence(8);
    while (preview.length < previewLength) preview += ` ${sentence(6 + (next() % 8))}`;
    preview = preview.slice(0, previewLength);
    const messageId = `${hex(16)}.${hex(8)}@${address.split('@')[1]}`;
    const subject = pick(subjects);
    messages.push(
      buildMessage({
        id: encodeImapMessageId('INBOX', { uidValidity: '1764201234', uid }),
        uid,
        flags,
        seen,
        flagged,
        receivedAt: at.toISOString(),
        date: new Date(at.getTime() - 4000).toISOString(),
        size: 2000 + (next() % 90_000),
        subject,
        from: { name, address },
        to: [{ name: 'Alice Example', address: 'alice@example.test' }],
        cc: next() % 4 === 0 ? [{ name: 'Bob Example', address: 'bob@example.test' }] : [],
        replyTo: [],
        messageId,
        inReplyTo: subject.startsWith('Re:') ? `${hex(16)}@${address.split('@')[1]}` : null,
        references: [],
        hasAttachments: next() % 5 === 0,
        preview,
        headers: [{ name: 'Subject', value: subject }],
        text: `${preview}\n\n${sentence(40)}\n${sentence(30)}\n`,
      }),
    );
  }
  return { mailboxes: [buildMailbox()], messages, downloads: {} };
}
