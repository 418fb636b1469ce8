import { createInterface } from 'node:readline';
import type { PromptOutput, SecretInput } from './read-secret.js';

/**
 * Asks a question and reads one line from `input`, echoed by the terminal
 * as typed (for what is not a secret: an address, a pasted URL). The prompt
 * goes to `output` (stderr), so stdout stays for what scripts capture.
 * @throws Error when the input ends (or already ended) without a line;
 *   the signal's reason when it aborts first.
 */
export function readLine(
  question: string,
  input: SecretInput,
  output: PromptOutput,
  signal: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if ((input as { readableEnded?: boolean }).readableEnded === true) {
      reject(new Error('no answer: stdin has ended'));
      return;
    }
    let settled = false;
    const lines = createInterface({ input, terminal: false });
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      lines.close();
      finish();
    };
    const onAbort = () => settle(() => reject(signal.reason));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    lines.once('line', (line) => settle(() => resolve(line)));
    lines.once('close', () => settle(() => reject(new Error('no answer: stdin has ended'))));
    output.write(question);
  });
}
