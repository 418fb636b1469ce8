/**
 * Compact UID set texts (`1:3,5,9`) of at most `maxChars` each. RFC 7162
 * §4 asks clients to keep command lines to about 8 kB; a sparse set of a
 * few thousand UIDs would otherwise exceed what servers accept.
 */
export function uidSetChunks(uids: Iterable<number>, maxChars = 7000): string[] {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const chunks: string[] = [];
  let current = '';
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    const item = i === j ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`;
    if (current !== '' && current.length + 1 + item.length > maxChars) {
      chunks.push(current);
      current = '';
    }
    current = current === '' ? item : `${current},${item}`;
    i = j + 1;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}
