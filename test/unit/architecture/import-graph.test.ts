import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

/**
 * The module graph of lib/ (every import and re-export, type-only ones
 * included): no cycles, and the Rule of docs/ARCHITECTURE.md as imports.
 * Only functions/ wires the rooms together.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SPECIFIER =
  /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Module {
  /** Relative to the repository root, e.g. `lib/imap/index.ts`. */
  file: string;
  /** Modules of lib/ it imports, as files. */
  local: string[];
  /** Package and built-in specifiers it imports. */
  external: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Comments removed, so an example in JSDoc is not an import. */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

function readModules(): Map<string, Module> {
  const modules = new Map<string, Module>();
  for (const path of sourceFiles(join(ROOT, 'lib'))) {
    const file = relative(ROOT, path);
    const local: string[] = [];
    const external: string[] = [];
    for (const match of code(readFileSync(path, 'utf8')).matchAll(SPECIFIER)) {
      const specifier = (match[1] ?? match[2])!;
      if (!specifier.startsWith('.')) external.push(specifier);
      else local.push(relative(ROOT, resolve(dirname(path), specifier.replace(/\.js$/, '.ts'))));
    }
    modules.set(file, { file, local, external });
  }
  return modules;
}

/** Every cycle's modules (strongly connected components of more than one module, or a self-import). */
function cycles(modules: Map<string, Module>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of modules.get(file)?.local ?? []) {
      if (!modules.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || modules.get(file)!.local.includes(file)) found.push(component.sort());
  };
  for (const file of modules.keys()) if (!index.has(file)) visit(file);
  return found;
}

const modules = readModules();
const inRoom = (room: string) => [...modules.values()].filter((m) => m.file.startsWith(`lib/${room}/`));
const isHono = (specifier: string) => /^(hono|@hono\/|@scalar\/hono)/.test(specifier);
const isImapflow = (specifier: string) => specifier === 'imapflow' || specifier.startsWith('imapflow/');

/** `file → import` for every import of a module in `rooms` matching `forbidden`. */
function imports(rooms: string[], forbidden: (target: string, local: boolean) => boolean): string[] {
  return rooms.flatMap((room) =>
    inRoom(room).flatMap((m) => [
      ...m.local.filter((target) => forbidden(target, true)).map((target) => `${m.file} → ${target}`),
      ...m.external.filter((target) => forbidden(target, false)).map((target) => `${m.file} → ${target}`),
    ]),
  );
}

describe('lib/ import graph', () => {
  test('the parser sees the graph (sanity: a known edge, every local import resolves)', () => {
    expect(modules.size).toBeGreaterThan(100);
    expect(modules.get('lib/imap/session/imap-session.ts')?.local).toContain(
      'lib/imap/session/session-connection.ts',
    );
    const unresolved = [...modules.values()].flatMap((m) =>
      m.local.filter((target) => !modules.has(target)).map((target) => `${m.file} → ${target}`),
    );
    expect(unresolved).toEqual([]);
  });

  test('has no cycles, type imports included', () => {
    expect(cycles(modules)).toEqual([]);
  });

  test('lib/http imports no imapflow and nothing of lib/imap or lib/pop3 (functions/ wires them)', () => {
    const violations = imports(['http'], (target, local) =>
      local ? /^lib\/(imap|pop3)\//.test(target) : isImapflow(target),
    );
    expect(violations).toEqual([]);
  });

  test('lib/imap and lib/pop3 import nothing of lib/http, nor hono', () => {
    const violations = imports(['imap', 'pop3'], (target, local) =>
      local ? target.startsWith('lib/http/') : isHono(target),
    );
    expect(violations).toEqual([]);
  });

  test('lib/mail imports no I/O module', () => {
    const io = (target: string) =>
      /^(node:)?(net|tls|http|https|http2|dgram)$/.test(target) ||
      isImapflow(target) ||
      isHono(target) ||
      target.startsWith('@aws-sdk/');
    const violations = imports(['mail'], (target, local) => !local && io(target));
    expect(violations).toEqual([]);
  });
});
