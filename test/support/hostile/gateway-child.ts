/**
 * The gateway in a process of its own (test/support/gateway.ts's real Node
 * server), so a test can measure its memory alone. Driven over the IPC
 * channel by gateway-process.ts; run with `--expose-gc`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Config } from '../../../lib/config/env.js';
import type { AccountDocument } from '../../../lib/credentials/account.js';
import { startGateway } from '../gateway.js';

type Call =
  | { seq: number; op: 'account'; id: string; document: AccountDocument }
  | { seq: number; op: 'token' }
  | { seq: number; op: 'gc' }
  | { seq: number; op: 'loop' };

const config = JSON.parse(process.env.MAILGATE_CHILD_CONFIG ?? '{}') as Partial<Config>;
const gateway = await startGateway(config, { reuse: process.env.MAILGATE_CHILD_REUSE === 'on' });
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

process.on('message', (call: Call) => {
  const answer = async (): Promise<unknown> => {
    switch (call.op) {
      case 'account':
        return gateway.addAccount(call.id, call.document);
      case 'token':
        return gateway.token('*', 'write');
      case 'gc':
        (globalThis as { gc?: () => void }).gc?.();
        return process.memoryUsage().rss;
      case 'loop': {
        const { user, system } = process.cpuUsage();
        const result = { maxDelayMs: loopDelay.max / 1e6, cpuMs: (user + system) / 1000 };
        loopDelay.reset();
        return result;
      }
    }
  };
  answer().then(
    (result) => process.send?.({ seq: call.seq, result }),
    (error: unknown) => process.send?.({ seq: call.seq, error: String(error) }),
  );
});
process.on('disconnect', () => {
  void gateway.close().finally(() => process.exit(0));
});
process.send?.({ ready: gateway.url });
