import { createRouter } from '../../create-router.js';
import {
  createTokenHandler,
  deleteAccountHandler,
  listTokensHandler,
  putAccountHandler,
  revokeTokenHandler,
} from './admin.handlers.js';
import { createToken, deleteAccount, listTokens, putAccount, revokeToken } from './admin.routes.js';

/** The account API (admin tokens): accounts and tokens, no mail. */
export const adminRouter = createRouter()
  .openapi(putAccount, putAccountHandler)
  .openapi(deleteAccount, deleteAccountHandler)
  .openapi(createToken, createTokenHandler)
  .openapi(listTokens, listTokensHandler)
  .openapi(revokeToken, revokeTokenHandler);
