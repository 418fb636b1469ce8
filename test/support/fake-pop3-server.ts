/**
 * The scriptable fake POP3 server, gathered at one import path: start it with
 * the faults a test needs, build its messages, and encode bodies as it does.
 */

export {
  buildFakeMessage,
  type FakeMessage,
  type FakePop3Options,
  type FakePop3Server,
  type FakeSession,
} from './fake-pop3/options.js';
export { startFakePop3Server } from './fake-pop3/server.js';
export { stuff } from './fake-pop3/wire.js';
