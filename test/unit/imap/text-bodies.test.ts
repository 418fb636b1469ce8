import { describe, expect, test } from 'vitest';
import { decodeBody, encodedLengthFor, textPartsQuery } from '../../../lib/imap/read/text-bodies.js';
import type { MimeNode } from '../../../lib/mime/types.js';

function buildNode(overrides: Partial<MimeNode> = {}): MimeNode {
  return {
    part: '1',
    type: 'text/plain',
    params: { charset: 'utf-8' },
    disposition: null,
    dispositionParams: {},
    contentId: null,
    encoding: '7bit',
    size: 100,
    children: [],
    ...overrides,
  };
}

describe('text bodies', () => {
  test('partial fetches ask enough encoded bytes for the decoded cut', () => {
    expect(encodedLengthFor(300, '7bit')).toBe(300);
    expect(encodedLengthFor(300, 'base64')).toBeGreaterThanOrEqual(400 + 2 * 5);
    expect(encodedLengthFor(300, 'quoted-printable')).toBeGreaterThanOrEqual(900);
    expect(textPartsQuery([buildNode()], null)).toEqual({ uid: true, bodyParts: ['1'] });
    expect(textPartsQuery([buildNode({ part: '1.2' })], 100)).toEqual({
      uid: true,
      bodyParts: [{ key: '1.2', start: 0, maxLength: 164 }],
    });
  });

  test('a partial never asks more than IMAP can say, and a whole body that fits is not cut', () => {
    for (const encoding of ['7bit', 'base64', 'quoted-printable']) {
      const query = textPartsQuery([buildNode({ encoding })], Number.MAX_SAFE_INTEGER);
      expect(query.bodyParts).toEqual([{ key: '1', start: 0, maxLength: 0xffff_ffff }]);
    }
    const whole = Buffer.from('hello world\r\n');
    expect(decodeBody([buildNode()], 'text/plain', new Map([['1', whole]]), Number.MAX_SAFE_INTEGER)).toEqual(
      {
        text: 'hello world\r\n',
        truncated: false,
        encodingProblem: false,
      },
    );
  });

  test('a body cut by the partial fetch mid-character is not an encoding problem', () => {
    // 'ж' is two bytes; a fetch of 11 + 64 bytes ends on half of one.
    const fetched = Buffer.from('ж'.repeat(200), 'utf8').subarray(0, encodedLengthFor(11 + 64, '7bit'));
    expect(fetched.length % 2).toBe(1);
    const decoded = decodeBody([buildNode()], 'text/plain', new Map([['1', fetched]]), 11);
    expect(decoded).toEqual({ text: 'жжжжж', truncated: true, encodingProblem: false });
  });

  test('invalid bytes in a whole body are an encoding problem, decoded best-effort', () => {
    const decoded = decodeBody(
      [buildNode()],
      'text/plain',
      new Map([['1', Buffer.from([0x61, 0xff, 0x62])]]),
      null,
    );
    expect(decoded.encodingProblem).toBe(true);
    expect(decoded.truncated).toBe(false);
    expect(decoded.text).toContain('a');
  });

  test('only parts of the asked type count; several are joined', () => {
    const parts = [
      buildNode({ part: '1' }),
      buildNode({ part: '2', type: 'text/html' }),
      buildNode({ part: '3' }),
    ];
    const fetched = new Map([
      ['1', Buffer.from('one')],
      ['2', Buffer.from('<p>two</p>')],
      ['3', Buffer.from('three')],
    ]);
    expect(decodeBody(parts, 'text/plain', fetched, null).text).toBe('one\n\nthree');
    expect(decodeBody(parts, 'text/html', fetched, null).text).toBe('<p>two</p>');
    expect(decodeBody([buildNode({ type: 'text/html' })], 'text/plain', fetched, null)).toEqual({
      text: null,
      truncated: false,
      encodingProblem: false,
    });
  });
});
