import type { Config } from '../config/env.js';

/**
 * Whether refreshed tokens are written back to the credential store: always
 * to the local file (a restart then refreshes nothing, and a rotated refresh
 * token survives); to Secrets Manager only with MAILGATE_OAUTH_WRITE_BACK,
 * which needs `secretsmanager:PutSecretValue` (least privilege by default).
 */
export function writesBackTokens(
  config: Pick<Config, 'MAILGATE_STORE' | 'MAILGATE_OAUTH_WRITE_BACK'>,
): boolean {
  return config.MAILGATE_STORE === 'file' || config.MAILGATE_OAUTH_WRITE_BACK === true;
}
