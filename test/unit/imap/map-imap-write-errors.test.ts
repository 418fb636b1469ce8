import { describe, expect, test } from 'vitest';
import { mapImapError } from '../../../lib/imap/map-imap-error.js';

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
});
