import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readSecret } from '../../../lib/admin/read-secret.js';

/** A stand-in terminal: records raw-mode switches the way a TTY ReadStream exposes them. */
function buildTerminal() {
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes: [] as boolean[],
    setRawMode(mode: boolean) {
      input.rawModes.push(mode);
      return input;
    },
  });
  let written = '';
  const output = { write: (text: string) => (written += text) };
  return { input, output, written: () => written };
}

describe('readSecret', () => {
  it('prompts on a terminal in raw mode without echoing, handling backspace', async () => {
    const terminal = buildTerminal();
    const secret = readSecret('Password: ', terminal.input, terminal.output);
    terminal.input.write('hunter3');
    terminal.input.write('\u007f2\r');
    expect(await secret).toBe('hunter2');
    expect(terminal.written()).toBe('Password: \n');
    expect(terminal.input.rawModes).toEqual([true, false]);
  });

  it('restores the terminal and fails when the prompt is cancelled with Ctrl-C', async () => {
    const terminal = buildTerminal();
    const secret = readSecret('Password: ', terminal.input, terminal.output);
    terminal.input.write('abc\u0003');
    await expect(secret).rejects.toThrow('cancelled');
    expect(terminal.input.rawModes).toEqual([true, false]);
  });

  it('reads one line from a pipe, without a prompt', async () => {
    let written = '';
    const output = { write: (text: string) => (written += text) };
    expect(await readSecret('Password: ', Readable.from(['pass word\r\n']), output)).toBe('pass word');
    expect(written).toBe('');
  });

  it.each([
    ['empty input', '', 'no secret'],
    ['several lines', 'one\ntwo\n', 'single line'],
  ])('refuses %s on a pipe', async (_name, text, message) => {
    await expect(readSecret('P: ', Readable.from([text]), { write: () => true })).rejects.toThrow(message);
  });
});
