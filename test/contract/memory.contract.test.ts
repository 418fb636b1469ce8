import type { Account } from '../../lib/credentials/account.js';
import { silentLogger } from '../../lib/mail/logger.js';
import { buildAccount, buildMailbox, type MemoryData, MemoryStoreFactory } from '../support/memory-store.js';
import { addRawMessage } from '../support/memory-writes.js';
import { type ContractSetup, describeMailStoreContract } from './mail-store-contract.js';

/** The in-memory store the HTTP tests use, as an IMAP account and as a POP3 account sees it. */
function memoryBackend(account: Account): ContractSetup {
  return async () => {
    const data: MemoryData = {
      mailboxes: [
        buildMailbox(),
        buildMailbox({ path: 'Archive', name: 'Archive', role: 'archive', specialUse: '\\Archive' }),
        buildMailbox({ path: 'Trash', name: 'Trash', role: 'trash', specialUse: '\\Trash' }),
      ],
      messages: [],
      downloads: {},
    };
    const factory = new MemoryStoreFactory(data);
    const inbox = data.mailboxes[0]!;
    return {
      open: () => factory.open(account, { signal: new AbortController().signal, logger: silentLogger }),
      async deliver(messages) {
        for (const raw of messages) addRawMessage(data, inbox, { raw, flags: [], date: null });
      },
    };
  };
}

describeMailStoreContract('memory (IMAP account)', memoryBackend(buildAccount()));
describeMailStoreContract(
  'memory (POP3 account)',
  memoryBackend(buildAccount({ protocol: 'pop3', port: 995 })),
);
