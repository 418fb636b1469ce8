import type { MessageStructureObject } from 'imapflow';
import type { MimeNode } from '../../mime/types.js';

function joinPart(prefix: string, index: number | string): string {
  return prefix === '' ? String(index) : `${prefix}.${index}`;
}

function lowerKeys(params: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params ?? {})) {
    // imapflow merges RFC 2231 continuations into the base name; drop any leftovers.
    if (!key.includes('*')) out[key.toLowerCase()] = value;
  }
  return out;
}

/**
 * `spec` is the specifier this node would have as a part; a message root
 * (the whole message, or the body of a message/rfc822 part) that is not a
 * multipart gets `spec.1` (RFC 9051 §6.4.5). The part numbers imapflow
 * computes are not used: it gives a single-part attached message the
 * specifier of its wrapper.
 */
function convert(node: MessageStructureObject, spec: string, messageRoot: boolean): MimeNode {
  const type = node.type.toLowerCase();
  const isMultipart = type.startsWith('multipart/');
  const part = isMultipart ? spec : messageRoot ? joinPart(spec, 1) : spec;
  const children = isMultipart
    ? (node.childNodes ?? []).map((child, i) => convert(child, joinPart(part, i + 1), false))
    : type === 'message/rfc822' || type === 'message/global'
      ? (node.childNodes ?? []).slice(0, 1).map((inner) => convert(inner, part, true))
      : [];
  const id = node.id?.trim() ?? '';
  return {
    part,
    type,
    params: lowerKeys(node.parameters),
    disposition: node.disposition ? node.disposition.toLowerCase() : null,
    dispositionParams: lowerKeys(node.dispositionParameters),
    contentId: id ? id.replace(/^<|>$/g, '') : null,
    encoding: node.encoding ? node.encoding.toLowerCase() : '7bit',
    size: node.size ?? 0,
    ...(typeof node.lineCount === 'number' ? { lines: node.lineCount } : {}),
    children,
  };
}

/**
 * Converts imapflow's parsed BODYSTRUCTURE into our MimeNode tree, numbered
 * as IMAP numbers parts: "" for a multipart root, "1" for a single-part body.
 */
export function toMimeTree(structure: MessageStructureObject): MimeNode {
  return convert(structure, '', true);
}
