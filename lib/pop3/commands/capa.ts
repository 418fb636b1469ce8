import type { Pop3Connection } from '../connection.js';
import { Pop3Capabilities, parseCapa } from '../parse-capa.js';
import { Pop3Error, type Pop3Phase } from '../pop3-error.js';

/**
 * CAPA (RFC 2449 §5). A server that predates CAPA answers -ERR: that is an
 * empty capability list, not a failure.
 */
export async function capa(connection: Pop3Connection, phase: Pop3Phase): Promise<Pop3Capabilities> {
  try {
    const reply = await connection.send({ line: 'CAPA', verb: 'CAPA', phase, multiline: true });
    return parseCapa(reply.body!);
  } catch (error) {
    if (error instanceof Pop3Error && error.kind === 'rejected') return new Pop3Capabilities();
    throw error;
  }
}
