import * as oauth from 'oauth4webapi';

/**
 * A consent that did not complete, with a message for the person at the
 * terminal. It never quotes a token, a code or a client secret: the
 * provider's own words are limited to its error code and description.
 */
export class ConsentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConsentError';
  }
}

/** Provider text shown on a terminal: one line, printable, bounded. */
function printable(text: string | undefined): string {
  return (text ?? '')
    .replace(/[^\x20-\x7e\u00a0-\uffff]+/g, ' ')
    .trim()
    .slice(0, 300);
}

function providerSaid(error: string, description: string | undefined): string {
  const detail = printable(description);
  return detail === '' ? printable(error) : `${printable(error)}: ${detail}`;
}

const HINTS: Record<string, string> = {
  invalid_client:
    'the provider does not accept the client id or secret (a confidential client needs --client-secret-stdin)',
  invalid_grant: 'the authorization code (or device code) was refused: it expired, was used, or PKCE failed',
  unauthorized_client: 'this client may not use this flow (Microsoft: enable "Allow public client flows")',
  invalid_scope: 'the provider does not grant these scopes to this client',
  expired_token: 'the device code expired before the sign-in completed',
};

/**
 * The message for anything oauth4webapi (or fetch) threw during a consent.
 * State and issuer mismatches say that nothing was accepted from the redirect.
 */
export function consentFailure(error: unknown): ConsentError {
  if (error instanceof ConsentError) return error;
  if (error instanceof oauth.AuthorizationResponseError) {
    const said = providerSaid(error.error, error.error_description);
    const message =
      error.error === 'access_denied'
        ? `the consent was refused (${said})`
        : `the provider refused the authorization request (${said})`;
    return new ConsentError(message, { cause: error });
  }
  if (error instanceof oauth.ResponseBodyError) {
    const hint = HINTS[error.error];
    const said = providerSaid(error.error, error.error_description);
    return new ConsentError(
      `the token endpoint answered HTTP ${error.status} (${said})${hint ? `: ${hint}` : ''}`,
      { cause: error },
    );
  }
  if (error instanceof oauth.OperationProcessingError) {
    const claim = (error.cause as { claim?: unknown } | undefined)?.claim;
    if (error.message.includes('"state"')) {
      return new ConsentError(
        'the redirect does not carry the state of this sign-in (another attempt, or a forged request): refused',
        { cause: error },
      );
    }
    if (error.message.includes('"iss"') && claim === undefined) {
      return new ConsentError(
        'the redirect names another issuer than the provider signed in at: refused (custom providers: --issuer)',
        { cause: error },
      );
    }
    if (claim === 'iss') {
      return new ConsentError(
        "the ID token's issuer is not the provider's (custom providers: --issuer): refused",
        { cause: error },
      );
    }
    return new ConsentError(`the provider's answer was refused: ${error.message}`, { cause: error });
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new ConsentError('timed out waiting for the sign-in (see --timeout)', { cause: error });
  }
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return new ConsentError(`could not reach the provider${cause}`, { cause: error });
  }
  return new ConsentError(error instanceof Error ? error.message : String(error), { cause: error });
}
