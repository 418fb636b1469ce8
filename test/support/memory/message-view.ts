import type { GetMessageOptions, Message } from '../../../lib/mail/types.js';
import { truncateUtf8 } from '../../../lib/mime/index.js';

/**
 * What getMessage answers for a stored message, as the adapters do: a copy
 * (callers never hold the store's own object), only the bodies `body` asks
 * for, each cut at `maxBodyBytes` (here of its decoded text, the adapters cut
 * the source).
 */
export function messageView(message: Message, options: GetMessageOptions): Message {
  const copy = structuredClone(message);
  const cut = (text: string | null, truncated: boolean, wanted: boolean) => {
    if (!wanted || text === null) return { text: null, truncated: false };
    const result = truncateUtf8(text, options.maxBodyBytes);
    return { text: result.text, truncated: truncated || result.truncated };
  };
  const text = cut(copy.text, copy.textTruncated, options.body === 'text' || options.body === 'both');
  const html = cut(copy.html, copy.htmlTruncated, options.body === 'html' || options.body === 'both');
  copy.text = text.text;
  copy.html = html.text;
  copy.textTruncated = text.truncated;
  copy.htmlTruncated = html.truncated;
  return copy;
}
