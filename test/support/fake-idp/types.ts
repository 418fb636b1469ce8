/**
 * A fake OAuth2 / OpenID Connect identity provider for tests, served over
 * HTTP on 127.0.0.1. One instance may serve many test files at once: its
 * behaviour is set per client id, so each test uses a client id of its own.
 *
 * Endpoints (relative to `url`):
 * - `GET  /authorize`   authorization code + PKCE (S256 only); consents at
 *   once as the client's `consentUser` (or `login_hint`) and redirects (302)
 *   to the `redirect_uri` (http://127.0.0.1 or [::1] with any port, RFC 8252
 *   §7.3) with `code`, `state` and `iss`.
 * - `POST /token`       grant types `authorization_code`, `refresh_token`,
 *   `urn:ietf:params:oauth:grant-type:device_code`. Client authentication by
 *   `client_secret_basic` or `client_secret_post` when the client has a
 *   secret, else none. Answers RFC 6749 JSON; `id_token` (RS256, `iss` =
 *   `url`, `aud` = client id, `email` and `preferred_username` = the user)
 *   on code and device grants.
 * - `POST /device`      RFC 8628 device authorization (`interval` 1); the
 *   first poll of a device code answers `authorization_pending`, the next
 *   one the tokens (consent given as `consentUser`).
 * - `POST /introspect`  RFC 7662 (`token=` form): `{active, username, scope,
 *   client_id, exp}`; what the test Dovecot's oauth2 passdb asks.
 * - `GET  /jwks`, `GET /.well-known/openid-configuration`.
 * - `/control/*`        JSON endpoints behind FakeIdpControl (below).
 */

export interface FakeIdpClientSettings {
  clientId: string;
  /** When set, the token endpoint requires it. */
  clientSecret?: string;
  /** Each refresh_token grant issues a new refresh token and invalidates the one used (strict rotation). */
  rotateRefreshTokens?: boolean;
  /** Lifetime of access tokens issued from now on (default 3600). */
  accessTokenTtlSeconds?: number;
  /** The next `count` token requests answer `status` (a 5xx) with a plain-text body. */
  failNext?: { count: number; status: number };
  /** Every token request is answered after this long (ms). */
  delayMs?: number;
  /** Who consents at /authorize and /device (default "consent-user@example.test"). */
  consentUser?: string;
  /** Include a new refresh token in refresh answers even without strict rotation (old one stays valid). */
  reissueRefreshTokens?: boolean;
}

export interface FakeIdpGrant {
  accessToken: string;
  refreshToken: string;
  /** ISO 8601 */
  expiresAt: string;
}

export interface FakeIdpStats {
  /** refresh_token grants answered with tokens */
  refreshGrants: number;
  /** authorization_code grants answered with tokens */
  codeGrants: number;
  /** device_code grants answered with tokens */
  deviceGrants: number;
  /** every request to /token, failed or not */
  tokenRequests: number;
  /** introspection requests for tokens of this client */
  introspections: number;
  /** The refresh tokens of this client that still work. */
  liveRefreshTokens: string[];
}
