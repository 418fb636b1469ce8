import { describe, expect, test } from 'vitest';
import { ImapRefusal } from '../../../lib/imap/session/imap-refusal.js';
import { mapImapError } from '../../../lib/imap/session/map-imap-error.js';

function commandError(serverResponseCode: string | undefined): Error {
  return Object.assign(new Error('Command failed'), { responseStatus: 'NO', serverResponseCode });
}

describe('mapImapError on write refusals', () => {
  test.each([
    ['TRYCREATE (COPY, MOVE, APPEND into a missing mailbox)', 'TRYCREATE', 'mailbox_not_found'],
    ['NONEXISTENT (RENAME, DELETE of a missing mailbox)', 'NONEXISTENT', 'mailbox_not_found'],
    ['ALREADYEXISTS (CREATE, RENAME onto an existing name)', 'ALREADYEXISTS', 'mailbox_exists'],
    ['CANNOT (renaming INBOX)', 'CANNOT', 'invalid_request'],
    ['TOOBIG (RFC 7889)', 'TOOBIG', 'payload_too_large'],
    ["imapflow's own APPENDLIMIT check", 'APPENDLIMIT', 'payload_too_large'],
    ['LIMIT', 'LIMIT', 'upstream_throttled'],
    ['OVERQUOTA', 'OVERQUOTA', 'payload_too_large'],
    ['a NO without a code', undefined, 'upstream_unavailable'],
  ])('%s', (_label, code, expected) => {
    expect(mapImapError(commandError(code)).code).toBe(expected);
  });

  test('no server text reaches the detail', () => {
    const error = Object.assign(new Error('NO [ALREADYEXISTS] secret-folder-name exists'), {
      serverResponseCode: 'ALREADYEXISTS',
    });
    expect(mapImapError(error).detail).not.toContain('secret');
  });

  test('a plain NO keeps its words for the log: command name, status and text, never arguments', () => {
    const error = Object.assign(new Error('Command failed'), {
      responseStatus: 'NO',
      responseText: 'Zugriff\r\nverweigert',
      executedCommand: '7 UID MOVE 1:3 "Geheim/Projekt"',
    });
    const mapped = mapImapError(error);
    expect(mapped.code).toBe('upstream_unavailable');
    expect(mapped.detail).not.toMatch(/Zugriff|Geheim/);
    expect(mapped.cause).toBeInstanceOf(ImapRefusal);
    expect((mapped.cause as ImapRefusal).message).toBe('UID MOVE refused: NO Zugriff verweigert');
    expect((mapped.cause as ImapRefusal).cause).toBe(error);
  });
});
