import { createRouter } from '../../create-router.js';
import { getAccountHandler, listAccountsHandler } from './accounts.handlers.js';
import { getAccount, listAccounts } from './accounts.routes.js';

export const accountsRouter = createRouter()
  .openapi(listAccounts, listAccountsHandler)
  .openapi(getAccount, getAccountHandler);
