import type { FetchQueryObject, ImapFlow } from 'imapflow';
import { decodedSizeFromPrefix } from '../../mime/describe-attachment.js';
import type { MimeNode } from '../../mime/types.js';
import { fetchWithBinarySizes } from '../imapflow/index.js';
import { textPartsQuery } from './text-bodies.js';

/** Bytes of each encoded attachment fetched, with the text parts, to measure its decoded size. */
export const SIZE_PREFIX_BYTES = 2048;

/** At most this many attachments are measured per message; the rest are estimated. */
export const MAX_SIZED_ATTACHMENTS = 32;

export interface TextAndSizes {
  /** The fetched text parts (and measuring prefixes), by part specifier. */
  bodyParts: ReadonlyMap<string, Buffer> | undefined;
  /** Decoded sizes of attachments: exact (a whole part, an agreeing BINARY.SIZE) or measured from a prefix. */
  sizes: ReadonlyMap<string, number>;
}

/**
 * The attachments whose decoded size differs from the encoded one: base64 and
 * quoted-printable leaves, not fetched as text already. The size of any
 * other part (7bit, 8bit, binary, an attached message sent as is, an unknown
 * encoding, which is not decoded) is already its downloaded size.
 */
function measurable(attachments: readonly MimeNode[], textParts: readonly MimeNode[]): MimeNode[] {
  const fetched = new Set(textParts.map((node) => node.part));
  const chosen = new Map<string, MimeNode>();
  for (const node of attachments) {
    if (node.encoding !== 'base64' && node.encoding !== 'quoted-printable') continue;
    if (node.type.startsWith('multipart/')) continue;
    if (node.part === '' || fetched.has(node.part) || node.size <= 0) continue;
    if (chosen.size < MAX_SIZED_ATTACHMENTS) chosen.set(node.part, node);
  }
  return [...chosen.values()];
}

function withPrefixes(query: FetchQueryObject, nodes: readonly MimeNode[]): FetchQueryObject {
  return {
    ...query,
    bodyParts: [
      ...(query.bodyParts ?? []),
      ...nodes.map((node) => ({ key: node.part, start: 0, maxLength: SIZE_PREFIX_BYTES })),
    ],
  };
}

/** How far BINARY.SIZE may be from the prefix measurement and still be taken: see fetchTextAndSizes. */
const BINARY_SIZE_TOLERANCE = 0.01;

/**
 * Each node's decoded size from its fetched prefix: exact when the prefix is
 * the whole part. A larger part takes the server's BINARY.SIZE when that
 * agrees with the prefix's measurement, else the measurement.
 */
function resolveSizes(
  nodes: readonly MimeNode[],
  fetched: ReadonlyMap<string, Buffer> | undefined,
  binarySizes: ReadonlyMap<string, number>,
): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const node of nodes) {
    const prefix = fetched?.get(node.part);
    if (!prefix || prefix.length === 0) continue;
    const measured = decodedSizeFromPrefix(prefix, node.size, node.encoding);
    const stated = binarySizes.get(node.part);
    const agrees =
      prefix.length < node.size &&
      stated !== undefined &&
      Math.abs(stated - measured) <= Math.max(2, measured * BINARY_SIZE_TOLERANCE);
    sizes.set(node.part, agrees ? stated : measured);
  }
  return sizes;
}

function isRefusal(error: unknown): boolean {
  const status = (error as { responseStatus?: unknown } | null)?.responseStatus;
  return status === 'NO' || status === 'BAD';
}

function hasBinary(client: ImapFlow): boolean {
  return client.capabilities.has('BINARY') || client.enabled.has('IMAP4REV2');
}

/**
 * The text-parts FETCH of a get (see getMessage), also measuring the
 * attachments, so their sizes cost no round trip of their own: each base64
 * or quoted-printable attachment's first `SIZE_PREFIX_BYTES` ride along,
 * which gives the exact decoded size of a part that fits and a measured
 * ratio for a larger one. With BINARY (RFC 3516) the same command also asks
 * `BINARY.SIZE[part]`, taken when it agrees with the measurement within 1%:
 * Dovecot 2.3 states far too small a size for a part that another encoded
 * part follows (DECISIONS.md D16). A server that cannot decode a part
 * (broken base64 or quoted-printable, an unknown encoding) refuses the whole
 * command (Dovecot: NO [PARSE], NO [UNKNOWN-CTE]); it is then sent again
 * without BINARY.SIZE, so the request still succeeds, one round trip later.
 * No text parts and no encoded attachment, no FETCH.
 * @returns false when the server answered no row for the message
 */
export async function fetchTextAndSizes(
  client: ImapFlow,
  uid: number,
  textParts: readonly MimeNode[],
  maxBodyBytes: number | null,
  attachments: readonly MimeNode[],
): Promise<TextAndSizes | false> {
  const nodes = measurable(attachments, textParts);
  // Nothing to read and nothing to measure: no FETCH. With encoded attachments a text-less get
  // (body=none) still measures them: QP sizes cannot be estimated within 2% from size and lines.
  if (textParts.length === 0 && nodes.length === 0) return { bodyParts: undefined, sizes: new Map() };
  const query = withPrefixes(textPartsQuery(textParts, maxBodyBytes), nodes);
  if (nodes.length > 0 && hasBinary(client)) {
    try {
      const parts = nodes.map((node) => node.part);
      const answer = await fetchWithBinarySizes(client, uid, parts, () =>
        client.fetchOne(String(uid), query, { uid: true }),
      );
      if (answer) {
        if (answer.result === false) return false;
        const bodyParts = answer.result.bodyParts;
        return { bodyParts, sizes: resolveSizes(nodes, bodyParts, answer.sizes) };
      }
    } catch (error) {
      if (!isRefusal(error)) throw error;
    }
  }
  const row = await client.fetchOne(String(uid), query, { uid: true });
  if (row === false) return false;
  return { bodyParts: row.bodyParts, sizes: resolveSizes(nodes, row.bodyParts, new Map()) };
}
