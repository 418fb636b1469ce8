/** stdin as the CLI sees it: a terminal (with raw mode) or a pipe. */
export interface SecretInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface PromptOutput {
  write(text: string): unknown;
}

const MAX_SECRET_BYTES = 64 * 1024;

/**
 * Reads a password or access token without it ever touching argv (visible
 * in `ps` and shell history): from a no-echo prompt on a terminal, otherwise
 * the first line of stdin.
 * @throws Error when nothing usable was given or the prompt was cancelled.
 */
export async function readSecret(prompt: string, input: SecretInput, output: PromptOutput): Promise<string> {
  const secret =
    input.isTTY && input.setRawMode ? await promptNoEcho(prompt, input, output) : await readPiped(input);
  if (secret.length === 0) throw new Error('no secret was given');
  return secret;
}

async function readPiped(input: SecretInput): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_SECRET_BYTES) throw new Error('the secret on stdin is too long');
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (/[\r\n]/.test(text)) throw new Error('expected a single line on stdin');
  return text;
}

function promptNoEcho(prompt: string, input: SecretInput, output: PromptOutput): Promise<string> {
  return new Promise((resolve, reject) => {
    let secret = '';
    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(secret);
    };
    // Raw mode delivers keys one by one with no echo; line editing is ours to do.
    const onData = (chunk: string | Buffer) => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') secret = [...secret].slice(0, -1).join('');
        else if (char >= ' ') secret += char;
      }
    };
    output.write(prompt);
    input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
  });
}
