import { describe, expect, it } from 'vitest';
import {
  dependsOnFlags,
  parseFields,
  selectFields,
  storeRead,
} from '../../lib/http/routes/messages/message-display.js';
import { InvalidRequestError } from '../../lib/mail/errors.js';

const KNOWN = ['id', 'subject', 'flags', 'seen', 'text', 'html', 'attachments', 'imagesBlocked', 'preview'];

describe('?fields= on a message', () => {
  it('reads a comma list, trims names, skips empty elements and always adds id', () => {
    expect(parseFields(undefined, KNOWN)).toBeNull();
    expect([...parseFields('subject, flags,,', KNOWN)!]).toEqual(['id', 'subject', 'flags']);
  });

  it('refuses an unknown name (exact case), an empty list and an overlong value', () => {
    for (const value of ['', ',', ' , ', 'subject,nope', 'Subject', 'a'.repeat(1001), 'subject\nflags']) {
      expect(() => parseFields(value, KNOWN), JSON.stringify(value)).toThrow(InvalidRequestError);
    }
    // A name that is not a plain word is not echoed.
    expect(() => parseFields('<script>', KNOWN)).toThrow(/lists a name that/);
  });

  it('says whether the answer shows flags', () => {
    expect(dependsOnFlags(null)).toBe(true);
    expect(dependsOnFlags(new Set(['id', 'seen']))).toBe(true);
    expect(dependsOnFlags(new Set(['id', 'subject', 'text']))).toBe(false);
  });

  it('reads the bodies only for fields that show them, within what body= asks', () => {
    const both = { body: 'both', html: 'raw' } as const;
    expect(storeRead(null, both)).toEqual({ body: 'both' });
    expect(storeRead(new Set(['id', 'subject']), both).body).toBe('none');
    // Text alone reads the text (the store brings the HTML of an HTML-only message along).
    expect(storeRead(new Set(['id', 'text']), both).body).toBe('text');
    expect(storeRead(null, { body: 'text', html: 'raw' })).toEqual({ body: 'text' });
    expect(storeRead(new Set(['id', 'html']), both).body).toBe('html');
    expect(storeRead(new Set(['id', 'html']), { body: 'text', html: 'raw' }).body).toBe('none');
    expect(storeRead(new Set(['id', 'preview']), both).body).toBe('both');
    // Safe HTML resolves cid: images through the attachments.
    expect(
      storeRead(new Set(['id', 'html']), { body: 'both', html: 'safe' }).fields?.has('attachments'),
    ).toBe(true);
    expect(storeRead(new Set(['id', 'html']), both).fields?.has('attachments')).toBe(false);
  });

  it('keeps only the fields asked for', () => {
    const answer = { id: 'x', subject: 's', flags: [], text: null };
    expect(selectFields(answer, null)).toBe(answer);
    expect(selectFields(answer, new Set(['id', 'text']))).toEqual({ id: 'x', text: null });
  });
});
