import type { AdminCredentialStore } from '../credentials/store.js';
import type { PromptOutput, SecretInput } from './read-secret.js';

/** What every admin command works with; the CLI entry point supplies the process's streams. */
export interface CommandContext {
  store: AdminCredentialStore;
  stdin: SecretInput;
  stdout: PromptOutput;
  stderr: PromptOutput;
  /** Relative paths (e.g. --ca-file) resolve against this directory. */
  cwd: string;
}

/** Left-aligned columns, two spaces apart, for the `list` commands. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}
