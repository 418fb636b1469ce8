import { openStore } from '../integration/imap/imap-test-kit.js';
import { createMailUser } from '../support/mail-server.js';
import { describeMailStoreContract } from './mail-store-contract.js';

/** ImapMailStore against the test Dovecot, a fresh user per group of tests. */
describeMailStoreContract('IMAP (Dovecot)', async () => {
  const user = await createMailUser('contract-imap');
  return {
    open: () => openStore(user),
    async deliver(messages) {
      await user.seed(
        'INBOX',
        messages.map((raw) => ({ raw })),
      );
    },
  };
});
