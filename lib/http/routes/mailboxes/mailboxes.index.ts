import { createRouter } from '../../create-router.js';
import { getMailboxHandler, listMailboxesHandler } from './mailboxes.handlers.js';
import { getMailbox, listMailboxes } from './mailboxes.routes.js';

export const mailboxesRouter = createRouter()
  .openapi(listMailboxes, listMailboxesHandler)
  .openapi(getMailbox, getMailboxHandler);
