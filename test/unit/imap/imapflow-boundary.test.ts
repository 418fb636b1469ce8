import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * imapflow's internals are touched in lib/imap/imapflow/ only, and the rest
 * of the code reaches that folder through its index: a source scan, so a
 * new reach past imapflow's typed API elsewhere fails here with its file and
 * line. Tests are not scanned (the shape test imports internals on purpose).
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SCANNED = ['lib', 'functions', 'bin', 'bench', 'infra'];
const INTERNALS_FOLDER = 'lib/imap/imapflow/';

function sourceFiles(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'cdk.out' ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Each rule: what it forbids outside lib/imap/imapflow/, and where (`imap`: lib/imap only). */
const RULES: Array<{ name: string; pattern: RegExp; imapOnly?: boolean }> = [
  { name: "imports imapflow's internal modules ('imapflow/lib/…')", pattern: /['"]imapflow\/lib\// },
  {
    name: 'imports a file of lib/imap/imapflow/ other than its index',
    pattern: /['"](?:\.\.?\/)+(?:imap\/)?imapflow\/(?!index\.js['"])[^'"]*['"]/,
  },
  {
    name: 'casts through unknown (reaching an ImapFlow field)',
    pattern: /\bas unknown as\b/,
    imapOnly: true,
  },
  { name: 'casts a client', pattern: /\(\s*(?:client|connection|flow)\s+as\b/, imapOnly: true },
  {
    name: 'reads a private ImapFlow field',
    pattern:
      /\.(?:folders|requestQueue|currentRequest|_openDownloads|currentLock|_closePending|skipLsub|writeSocket|tagCounter|requestTagMap)\b/,
    imapOnly: true,
  },
  {
    name: "calls imapflow's run/exec",
    pattern: /\b(?:client|connection|flow)\.(?:run|exec)\b/,
    imapOnly: true,
  },
  {
    name: 'assigns to an ImapFlow field',
    pattern: /\b(?:client|connection|flow)\.[A-Za-z_$][\w$]*\s*=(?!=)/,
    imapOnly: true,
  },
  {
    name: 'mutates client.enabled or client.capabilities',
    pattern: /\.(?:enabled|capabilities)\.(?:add|delete|clear|set)\(/,
    imapOnly: true,
  },
];

describe('imapflow internals stay in lib/imap/imapflow/', () => {
  const files = SCANNED.flatMap(sourceFiles).filter((path) => !path.startsWith(INTERNALS_FOLDER));

  it('scans the code', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((path) => path.startsWith('lib/imap/session/'))).toBe(true);
  });

  it.each(RULES.map((rule) => [rule.name, rule] as const))('no file outside it %s', (_name, rule) => {
    const offences: string[] = [];
    for (const path of files) {
      if (rule.imapOnly && !path.startsWith('lib/imap/')) continue;
      readFileSync(join(root, path), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (rule.pattern.test(line)) offences.push(`${path}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(offences).toEqual([]);
  });
});
