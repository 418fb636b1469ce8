import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The client's types catch a wrong name at compile time: the usage fixture
 * compiles clean under the project's compiler options, and each misspelling
 * below is a diagnostic that names the misspelt word. The misspelt variants
 * are compiled from strings, never written to disk, so the project's own
 * `tsc --noEmit` only ever sees the correct fixture.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const FIXTURE = join(HERE, 'usage-fixture.ts');
const SOURCE = readFileSync(FIXTURE, 'utf8');

function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).options;
}

const OPTIONS = compilerOptions();

/**
 * Diagnostics per file of one program over `files` (path → source, kept in
 * memory; lib/client compiled along), by absolute path ('' for none). One
 * program for every variant: the checker's work on the generated types is
 * then done once.
 */
function diagnostics(files: Map<string, string>): Map<string, string[]> {
  const host = ts.createCompilerHost(OPTIONS);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => files.has(resolve(fileName)) || fileExists(fileName);
  host.getSourceFile = (fileName, language, onError, create) => {
    const source = files.get(resolve(fileName));
    return source === undefined
      ? getSourceFile(fileName, language, onError, create)
      : ts.createSourceFile(fileName, source, language, true);
  };
  const program = ts.createProgram([...files.keys()], OPTIONS, host);
  const found = new Map<string, string[]>([...files.keys()].map((path) => [path, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const path = d.file ? resolve(d.file.fileName) : '';
    const list = found.get(path) ?? [];
    list.push(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    found.set(path, list);
  }
  return found;
}

/** [what is misspelt, the correct text in the fixture, the misspelling, a word the diagnostic must name]. */
const MISSPELLINGS: Array<[string, string, string, string]> = [
  ['a list filter of the iterator', '{ seen: false, limit: 50 }', '{ sen: false, limit: 50 }', "'sen'"],
  ['a summary field', 'm.subject ??', 'm.subjct ??', "'subjct'"],
  ['a message field', 'message.attachments.map', 'message.attachmnts.map', "'attachmnts'"],
  ['an enum value of a query parameter', "{ body: 'text' }", "{ body: 'txt' }", '"txt"'],
  [
    'a query parameter of the raw client',
    "query: { flagged: 'true' }",
    "query: { flaged: 'true' }",
    "'flaged'",
  ],
  ['a flag change member', "{ add: ['\\\\Seen'] }", "{ ad: ['\\\\Seen'] }", "'ad'"],
  ['a download field', 'raw.contentLength', 'raw.contentLenght', "'contentLenght'"],
  ['a problem field', 'error.detail', 'error.details', "'details'"],
  [
    'a route of the raw client',
    "'/v1/accounts/{account}/mailboxes/{mailbox}/messages'",
    "'/v1/accounts/{account}/mailbox/{mailbox}/messages'",
    '/v1/accounts/{account}/mailbox/{mailbox}/messages',
  ],
];

/** Each misspelt variant beside the fixture (so its imports resolve alike), in memory only. */
const variant = (index: number) => join(HERE, `usage-fixture.misspelt-${index}.ts`);
const files = new Map<string, string>([
  [FIXTURE, SOURCE],
  ...MISSPELLINGS.map(([, correct, wrong], i): [string, string] => [
    variant(i),
    SOURCE.replace(correct, wrong),
  ]),
]);
let compiled: Map<string, string[]> | undefined;
const compile = () => (compiled ??= diagnostics(files));

describe('the client types (TypeScript compiler on a usage file)', () => {
  it('compile the usage fixture clean', () => {
    expect(compile().get(FIXTURE)).toEqual([]);
    // Nothing else of the program (lib/client, its imports, the options) has an error either.
    const variants = new Set(MISSPELLINGS.map((_, i) => variant(i)));
    const elsewhere = [...compile()].filter(([path, list]) => list.length > 0 && !variants.has(path));
    expect(elsewhere).toEqual([]);
  }, 60_000);

  it.each(MISSPELLINGS.map((row, i) => [...row, i] as const))(
    'fail on %s, naming it',
    (_what, correct, _wrong, named, index) => {
      expect(SOURCE).toContain(correct);
      const found = compile().get(variant(index)) ?? [];
      expect(
        found.filter((text) => text.includes(named)),
        found.join('\n'),
      ).not.toEqual([]);
    },
    60_000,
  );
});
