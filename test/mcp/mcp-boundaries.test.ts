import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listQuerySchema } from '../../lib/http/list-query.js';
import { deleteMessageQuery } from '../../lib/http/schemas/write.schema.js';
import { isMcpTarget } from '../../lib/mcp/http.js';
import { jsonTypedShape, parseAsQuery } from '../../lib/mcp/tool-input.js';
import { isTextLike } from '../../lib/mcp/tools/attachment-text.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SPECIFIER =
  /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module of this repository a file reaches by imports (static and dynamic), and the packages they import. */
function reach(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(join(ROOT, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const match of source.matchAll(SPECIFIER)) {
      const specifier = (match[1] ?? match[2])!;
      if (!specifier.startsWith('.')) packages.add(specifier);
      else visit(relative(ROOT, resolve(dirname(join(ROOT, file)), specifier.replace(/\.js$/, '.ts'))));
    }
  };
  visit(entry);
  return { files, packages };
}

describe('where the MCP server lives', () => {
  const lambdaEntries = readdirSync(join(ROOT, 'functions')).filter((name) => /^lambda-.*\.ts$/.test(name));

  it.each(lambdaEntries)('functions/%s reaches neither lib/mcp nor the MCP SDK', (entry) => {
    const { files, packages } = reach(`functions/${entry}`);
    expect(files.size).toBeGreaterThan(5);
    expect([...files].filter((file) => file.startsWith('lib/mcp/') || file.includes('mcp-'))).toEqual([]);
    expect([...packages].filter((name) => name.startsWith('@modelcontextprotocol/'))).toEqual([]);
  });

  it('is reached from the local server and the CLI', () => {
    expect(reach('functions/local-server.ts').files).toContain('lib/mcp/http.ts');
    expect(reach('functions/cli.ts').files).toContain('lib/mcp/create-server.ts');
  });

  it('lib/http imports nothing of it: the MCP route is mounted beside the app, not in it', () => {
    const { files } = reach('lib/http/app.ts');
    expect([...files].filter((file) => file.startsWith('lib/mcp/') || file.startsWith('lib/local/'))).toEqual(
      [],
    );
  });

  it('answers the /mcp path only', () => {
    expect(['/mcp', '/mcp?x=1'].map(isMcpTarget)).toEqual([true, true]);
    expect(['/mcpx', '/mcp/', '/v1/mcp', '/', undefined].map(isMcpTarget)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('tool inputs derived from the routes’ query schemas', () => {
  it('types booleans and integers as JSON, keeps every other field the route’s own', () => {
    const shape = jsonTypedShape(listQuerySchema.shape);
    expect(Object.keys(shape).sort()).toEqual(Object.keys(listQuerySchema.shape).sort());
    const schema = z.toJSONSchema(z.object(shape), { io: 'input' }) as {
      properties: Record<string, { type?: string; enum?: string[] }>;
    };
    expect(schema.properties.seen?.type).toBe('boolean');
    expect(schema.properties.limit?.type).toBe('integer');
    expect(schema.properties.larger?.type).toBe('integer');
    expect(schema.properties.subject?.type).toBe('string');
    expect(schema.properties.sort?.enum).toEqual(['arrival', 'date', 'from', 'subject', 'size']);
    expect(shape.subject).toBe(listQuerySchema.shape.subject);
  });

  it("keeps the route's integer bounds and descriptions (its OpenAPI metadata)", () => {
    const schema = z.toJSONSchema(z.object(jsonTypedShape(listQuerySchema.shape)), { io: 'input' }) as {
      properties: Record<string, { minimum?: number; maximum?: number; description?: string }>;
    };
    expect(schema.properties.limit).toMatchObject({ minimum: 1, maximum: 200 });
    expect(schema.properties.smaller).toMatchObject({ minimum: 1, description: 'Size in bytes.' });
    expect(schema.properties.text?.description).toBe('Anywhere in headers or body.');
    expect(schema.properties.sort?.description).toContain('The order of the list');
  });

  it("validates the typed values with the route's schema: its limits and its output", () => {
    const good = parseAsQuery(listQuerySchema, { seen: false, limit: 10, subject: 'x' });
    expect(good.success && good.data).toMatchObject({ seen: 'false', limit: 10, subject: 'x' });
    const over = parseAsQuery(listQuerySchema, { limit: 201 });
    expect(over.success).toBe(false);
    const permanent = parseAsQuery(deleteMessageQuery, { permanent: true, account: 'ignored' });
    expect(permanent.success && permanent.data).toEqual({ permanent: 'true' });
  });
});

describe('get_attachment_text', () => {
  it('reads text-like types only', () => {
    const text = [
      'text/plain',
      'text/csv; charset=utf-8',
      'application/json',
      'application/xml',
      'image/svg+xml',
    ];
    const other = ['application/pdf', 'application/octet-stream', 'image/png', 'application/zip', ''];
    expect(text.map(isTextLike)).toEqual(text.map(() => true));
    expect(other.map(isTextLike)).toEqual(other.map(() => false));
  });
});
