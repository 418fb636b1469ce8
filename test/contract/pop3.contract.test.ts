import type { Account } from '../../lib/credentials/account.js';
import { silentLogger } from '../../lib/mail/logger.js';
import { Pop3MailStore } from '../../lib/pop3/index.js';
import { createMailUser } from '../support/mail-server.js';
import { describeMailStoreContract } from './mail-store-contract.js';

/** Pop3MailStore against the test Dovecot over implicit TLS; messages are delivered over IMAP to the same INBOX. */
describeMailStoreContract('POP3 (Dovecot)', async () => {
  const user = await createMailUser('contract-pop3');
  const account = {
    id: 'contract-pop3',
    ...user.account({ protocol: 'pop3', port: user.server.ports.pop3s, tls: 'implicit' }),
  } as Account;
  return {
    open: () => new Pop3MailStore(account, { signal: new AbortController().signal, logger: silentLogger }),
    async deliver(messages) {
      await user.seed(
        'INBOX',
        messages.map((raw) => ({ raw })),
      );
    },
  };
});
