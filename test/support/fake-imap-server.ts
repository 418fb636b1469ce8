/**
 * The scriptable fake IMAP server, gathered at one import path: start it
 * with the mailboxes and refusal texts a test needs, then read its state.
 */

export {
  buildFakeImapMessage,
  type FakeImapCommand,
  type FakeImapOptions,
  type FakeImapServer,
  type FakeImapState,
  type FakeMailbox,
} from './fake-imap/options.js';
export { startFakeImapServer } from './fake-imap/server.js';
