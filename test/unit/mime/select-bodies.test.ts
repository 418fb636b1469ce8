import { describe, expect, it } from 'vitest';
import { hasAttachments, type MimeNode, parseMimeTree, selectBodies } from '../../../lib/mime/index.js';

function buildNode(overrides: Partial<MimeNode> = {}): MimeNode {
  return {
    part: '1',
    type: 'text/plain',
    params: {},
    disposition: null,
    dispositionParams: {},
    contentId: null,
    encoding: '7bit',
    size: 10,
    children: [],
    ...overrides,
  };
}

const multipart = (subtype: string, part: string, children: MimeNode[]) =>
  buildNode({ part, type: `multipart/${subtype}`, children });

function parts(root: MimeNode) {
  const { textBody, htmlBody, attachments } = selectBodies(root);
  const ids = (list: MimeNode[]) => list.map((n) => n.part);
  return { text: ids(textBody), html: ids(htmlBody), attachments: ids(attachments) };
}

describe('selectBodies (RFC 8621 §4.1.4)', () => {
  it('uses a single text/plain body for both text and HTML', () => {
    expect(parts(buildNode())).toEqual({ text: ['1'], html: ['1'], attachments: [] });
  });

  it('splits multipart/alternative inside multipart/mixed, with a file after it', () => {
    const root = multipart('mixed', '', [
      multipart('alternative', '1', [
        buildNode({ part: '1.1' }),
        buildNode({ part: '1.2', type: 'text/html' }),
      ]),
      buildNode({ part: '2', type: 'application/pdf', disposition: 'attachment' }),
    ]);
    expect(parts(root)).toEqual({ text: ['1.1'], html: ['1.2'], attachments: ['2'] });
    expect(hasAttachments(root)).toBe(true);
  });

  it('takes only the first part of multipart/related as body: its images are attachments', () => {
    const root = multipart('alternative', '', [
      buildNode({ part: '1' }),
      multipart('related', '2', [
        buildNode({ part: '2.1', type: 'text/html' }),
        buildNode({ part: '2.2', type: 'image/png', disposition: 'inline', contentId: 'logo' }),
      ]),
    ]);
    expect(parts(root)).toEqual({ text: ['1'], html: ['2.1'], attachments: ['2.2'] });
  });

  it('handles the usual newsletter: mixed[alternative[text, related[html, image]], file]', () => {
    const root = multipart('mixed', '', [
      multipart('alternative', '1', [
        buildNode({ part: '1.1' }),
        multipart('related', '1.2', [
          buildNode({ part: '1.2.1', type: 'text/html' }),
          buildNode({ part: '1.2.2', type: 'image/gif', contentId: 'spacer' }),
        ]),
      ]),
      buildNode({ part: '2', type: 'application/zip', disposition: 'attachment' }),
    ]);
    expect(parts(root)).toEqual({ text: ['1.1'], html: ['1.2.1'], attachments: ['1.2.2', '2'] });
  });

  it('uses the HTML part for the text body when an alternative has no plain text', () => {
    const root = multipart('alternative', '', [buildNode({ part: '1', type: 'text/html' })]);
    expect(parts(root)).toEqual({ text: ['1'], html: ['1'], attachments: [] });
  });

  it('treats text/plain with disposition attachment as an attachment', () => {
    const root = multipart('mixed', '', [
      buildNode({ part: '1' }),
      buildNode({ part: '2', disposition: 'attachment', dispositionParams: { filename: 'notes.txt' } }),
    ]);
    expect(parts(root)).toEqual({ text: ['1'], html: ['1'], attachments: ['2'] });
  });

  it('treats a named text part after the first as an attachment, and an unnamed one as body', () => {
    const root = multipart('mixed', '', [
      buildNode({ part: '1' }),
      buildNode({ part: '2', params: { name: 'log.txt' } }),
      buildNode({ part: '3' }),
    ]);
    expect(parts(root)).toEqual({ text: ['1', '3'], html: ['1', '3'], attachments: ['2'] });
  });

  it('inlines images between text parts of multipart/mixed in both bodies', () => {
    const root = multipart('mixed', '', [
      buildNode({ part: '1' }),
      buildNode({ part: '2', type: 'image/jpeg' }),
      buildNode({ part: '3' }),
    ]);
    expect(parts(root)).toEqual({ text: ['1', '2', '3'], html: ['1', '2', '3'], attachments: [] });
  });

  it('never inlines an attached message or a delivery report', () => {
    const inner = buildNode({ part: '2.1' });
    const root = multipart('report', '', [
      buildNode({ part: '1' }),
      buildNode({ part: '2', type: 'message/delivery-status' }),
      buildNode({ part: '3', type: 'message/rfc822', children: [inner] }),
    ]);
    expect(parts(root)).toEqual({ text: ['1'], html: ['1'], attachments: ['2', '3'] });
  });

  it('lists other media types of an alternative as attachments', () => {
    const root = multipart('alternative', '', [
      buildNode({ part: '1' }),
      buildNode({ part: '2', type: 'text/calendar' }),
    ]);
    expect(parts(root)).toEqual({ text: ['1'], html: ['1'], attachments: ['2'] });
  });

  it('reports no attachments for a plain alternative message', () => {
    const root = multipart('alternative', '', [
      buildNode({ part: '1' }),
      buildNode({ part: '2', type: 'text/html' }),
    ]);
    expect(hasAttachments(root)).toBe(false);
  });

  it('works on a parsed message source', () => {
    const raw = Buffer.from(
      [
        'Content-Type: multipart/mixed; boundary=m',
        '',
        '--m',
        'Content-Type: text/plain',
        '',
        'see attached',
        '--m',
        'Content-Type: message/rfc822',
        '',
        'Subject: fwd',
        '',
        'forwarded text',
        '--m--',
        '',
      ].join('\r\n'),
    );
    expect(parts(parseMimeTree(raw))).toEqual({ text: ['1'], html: ['1'], attachments: ['2'] });
  });
});
