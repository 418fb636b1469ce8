import type { FakeIdpClientSettings, FakeIdpGrant, FakeIdpStats } from './types.js';

/**
 * Drives a fake identity provider over its `/control` endpoints, so a test
 * worker can steer the instance the global setup started (the one the test
 * Dovecot asks) as easily as one of its own.
 */
export class FakeIdpControl {
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  /** Creates or updates a client's behaviour; unspecified settings keep their value. */
  async configureClient(settings: FakeIdpClientSettings): Promise<void> {
    await this.#post('/control/client', settings);
  }

  /** Tokens as if `user` had consented for `clientId` (an access and a refresh token). */
  grant(input: {
    clientId: string;
    user: string;
    scopes?: string[];
    accessTokenTtlSeconds?: number;
  }): Promise<FakeIdpGrant> {
    return this.#post('/control/grant', input) as Promise<FakeIdpGrant>;
  }

  /** The refresh token stops working (as after the user revoked consent): `invalid_grant`. */
  async revokeRefreshToken(token: string): Promise<void> {
    await this.#post('/control/revoke-refresh', { token });
  }

  /** The access token stops working: introspection says inactive, so Dovecot refuses it. */
  async revokeAccessToken(token: string): Promise<void> {
    await this.#post('/control/revoke-access', { token });
  }

  stats(clientId: string): Promise<FakeIdpStats> {
    return this.#post('/control/stats', { clientId }) as Promise<FakeIdpStats>;
  }

  get tokenUrl(): string {
    return `${this.url}/token`;
  }

  get authorizeUrl(): string {
    return `${this.url}/authorize`;
  }

  get deviceAuthorizationUrl(): string {
    return `${this.url}/device`;
  }

  async #post(path: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`fake IdP ${path}: HTTP ${response.status}`);
    return response.json();
  }
}
