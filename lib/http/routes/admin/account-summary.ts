import type { Account } from '../../../credentials/account.js';
import type { TokenRecord } from '../../../credentials/store.js';
import type { ServerInfo } from '../../../mail/types.js';

/**
 * What the account API answers about a stored account: built field by
 * field, so no secret of the document (password, client secret, access or
 * refresh token, CA bundle) can reach an answer, whatever fields the
 * document gains later.
 */
export function summariseAccount(account: Account, verified: { server: ServerInfo } | undefined) {
  const { oauth2 } = account;
  return {
    id: account.id,
    protocol: account.protocol,
    host: account.host,
    port: account.port,
    tls: account.tls,
    user: account.user,
    auth: oauth2 === undefined ? ('password' as const) : ('oauth2' as const),
    ...(oauth2 === undefined
      ? {}
      : {
          oauth2: {
            ...(oauth2.provider === undefined ? {} : { provider: oauth2.provider }),
            ...(oauth2.tenant === undefined ? {} : { tenant: oauth2.tenant }),
            ...(oauth2.app === undefined ? {} : { app: oauth2.app }),
            ...(oauth2.clientId === undefined ? {} : { clientId: oauth2.clientId }),
            ...(oauth2.scopes === undefined ? {} : { scopes: [...oauth2.scopes] }),
            refreshable: oauth2.refreshToken !== undefined,
          },
        }),
    verified: verified !== undefined,
    ...(verified === undefined ? {} : { server: verified.server }),
  };
}

/** A token as listed: its grant, never its hash. */
export function summariseToken(record: TokenRecord) {
  return {
    id: record.tokenId,
    scope: record.scope,
    accounts: record.accounts === '*' ? ('*' as const) : [...record.accounts],
    label: record.label,
    createdAt: record.createdAt,
  };
}
