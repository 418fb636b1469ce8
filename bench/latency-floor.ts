/**
 * The round-trip floor: a hand-written TLS client that waits for the greeting,
 * writes every command of the operation in one flight and reads until the
 * last command's tagged completion. No parsing, no error handling: a bound,
 * not a client.
 */
import { connect } from 'node:tls';

export interface FloorTarget {
  host: string;
  port: number;
  ca: string;
  user: string;
  password: string;
}

const quote = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/** Runs `commands` (untagged) after LOGIN in one flight; resolves with the bytes received. */
export function floorRequest(target: FloorTarget, commands: string[]): Promise<number> {
  const lines = [`LOGIN ${quote(target.user)} ${quote(target.password)}`, ...commands];
  const lastTag = `z${lines.length}`;
  const payload = lines.map((line, i) => `z${i + 1} ${line}\r\n`).join('');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port, ca: target.ca });
    let greeted = false;
    let received = 0;
    let tail = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      tail = (tail + chunk.toString('latin1')).slice(-4096);
      if (!greeted && tail.includes('\r\n')) {
        greeted = true;
        socket.write(payload);
      }
      if (new RegExp(`(^|\\r\\n)${lastTag} (OK|NO|BAD)[^\\r\\n]*\\r\\n`).test(tail)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
}
