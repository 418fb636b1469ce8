import { createRouter } from '../../create-router.js';
import {
  createMailboxHandler,
  deleteMailboxHandler,
  renameMailboxHandler,
} from './mailbox-writes.handlers.js';
import { createMailbox, deleteMailbox, renameMailbox } from './mailbox-writes.routes.js';

export const mailboxWritesRouter = createRouter()
  .openapi(createMailbox, createMailboxHandler)
  .openapi(renameMailbox, renameMailboxHandler)
  .openapi(deleteMailbox, deleteMailboxHandler);
