import type { MimeNode } from './types.js';

/**
 * Whether some part of the tree nests deeper than its parser followed, so
 * that parts below it are not described (MimeNode.truncated).
 */
export function isStructureTruncated(node: MimeNode): boolean {
  return node.truncated === true || node.children.some(isStructureTruncated);
}
