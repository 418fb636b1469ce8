import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CLIENT_TYPES_FILE, generateClientTypes } from '../../functions/dev/generate-client.js';

/**
 * The client's checked-in types are generated from the document the gateway
 * serves; a route, parameter or schema changed without `npm run
 * client:generate` fails here rather than shipping a client that lies.
 */
describe('lib/client/openapi.gen.ts', () => {
  it('is what npm run client:generate makes of the served /openapi.json', async () => {
    const [checkedIn, generated] = await Promise.all([
      readFile(CLIENT_TYPES_FILE, 'utf8'),
      generateClientTypes(),
    ]);
    // A bare toBe would print 280 KB twice: name the first line that differs instead.
    const a = checkedIn.split('\n');
    const b = generated.split('\n');
    let line = a.findIndex((text, i) => text !== b[i]);
    if (line === -1 && a.length !== b.length) line = Math.min(a.length, b.length);
    const first =
      line === -1 && a.length === b.length
        ? null
        : { line: line + 1, checkedIn: a[line], generated: b[line] };
    expect(first, 'the served document changed: run `npm run client:generate`').toBeNull();
  }, 60_000);
});
