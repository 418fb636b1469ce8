import type { MessageStructureObject } from 'imapflow';
import { describe, expect, test } from 'vitest';
import { toMimeTree } from '../../../lib/imap/read/body-structure.js';
import type { MimeNode } from '../../../lib/mime/types.js';

function buildPart(overrides: Partial<MessageStructureObject> & { type: string }): MessageStructureObject {
  return { size: 10, encoding: '7bit', ...overrides };
}

function shape(node: MimeNode): unknown {
  return node.children.length ? [node.part, node.type, node.children.map(shape)] : [node.part, node.type];
}

describe('toMimeTree', () => {
  test('a single-part message is part 1', () => {
    const tree = toMimeTree(buildPart({ type: 'text/plain', parameters: { charset: 'utf-8' } }));
    expect(tree).toEqual({
      part: '1',
      type: 'text/plain',
      params: { charset: 'utf-8' },
      disposition: null,
      dispositionParams: {},
      contentId: null,
      encoding: '7bit',
      size: 10,
      children: [],
    });
  });

  test('numbers nested multiparts and attached messages as IMAP does (RFC 9051 §6.4.5)', () => {
    const tree = toMimeTree(
      buildPart({
        type: 'multipart/mixed',
        childNodes: [
          buildPart({
            type: 'multipart/alternative',
            childNodes: [buildPart({ type: 'text/plain' }), buildPart({ type: 'text/html' })],
          }),
          buildPart({
            type: 'message/rfc822',
            childNodes: [
              buildPart({
                type: 'multipart/mixed',
                childNodes: [buildPart({ type: 'text/plain' }), buildPart({ type: 'image/png' })],
              }),
            ],
          }),
          // imapflow gives a single-part attached message its wrapper's number; IMAP says 3.1.
          buildPart({
            type: 'message/rfc822',
            part: '3',
            childNodes: [buildPart({ type: 'text/plain', part: '3' })],
          }),
        ],
      }),
    );
    expect(shape(tree)).toEqual([
      '',
      'multipart/mixed',
      [
        [
          '1',
          'multipart/alternative',
          [
            ['1.1', 'text/plain'],
            ['1.2', 'text/html'],
          ],
        ],
        [
          '2',
          'message/rfc822',
          [
            [
              '2',
              'multipart/mixed',
              [
                ['2.1', 'text/plain'],
                ['2.2', 'image/png'],
              ],
            ],
          ],
        ],
        ['3', 'message/rfc822', [['3.1', 'text/plain']]],
      ],
    ]);
  });

  test('normalises disposition, Content-ID, encoding and parameter names', () => {
    const tree = toMimeTree(
      buildPart({
        type: 'IMAGE/PNG',
        id: '<logo@example.com>',
        encoding: 'BASE64',
        disposition: 'INLINE',
        dispositionParameters: { FileName: 'logo.png' },
        parameters: { Name: 'logo.png' },
      }),
    );
    expect(tree).toMatchObject({
      type: 'image/png',
      contentId: 'logo@example.com',
      encoding: 'base64',
      disposition: 'inline',
      dispositionParams: { filename: 'logo.png' },
      params: { name: 'logo.png' },
    });
    expect(toMimeTree(buildPart({ type: 'text/plain', encoding: undefined })).encoding).toBe('7bit');
  });
});
