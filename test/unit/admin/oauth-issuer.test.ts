import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { planConsent } from '../../../lib/admin/oauth/consent-plan.js';
import {
  callbackIssuer,
  expectedGoogleIssuer,
  expectedMicrosoftIssuer,
  MICROSOFT_CONSUMERS_TENANT_ID,
} from '../../../lib/admin/oauth/issuer.js';

const ORG = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_ORG = '0b2a1c5e-3d4f-4a6b-8c9d-0e1f2a3b4c5d';
const issuerOf = (tid: string) => `https://login.microsoftonline.com/${tid}/v2.0`;

describe('expectedMicrosoftIssuer', () => {
  it.each([
    ['common', { tid: ORG }, issuerOf(ORG)],
    ['common', { tid: MICROSOFT_CONSUMERS_TENANT_ID }, issuerOf(MICROSOFT_CONSUMERS_TENANT_ID)],
    ['organizations', { tid: ORG }, issuerOf(ORG)],
    ['organizations', { tid: MICROSOFT_CONSUMERS_TENANT_ID }, undefined],
    ['consumers', { tid: MICROSOFT_CONSUMERS_TENANT_ID }, issuerOf(MICROSOFT_CONSUMERS_TENANT_ID)],
    ['consumers', { tid: ORG }, undefined],
    ['contoso.onmicrosoft.com', { tid: ORG }, issuerOf(ORG)],
    ['common', { tid: 'not-a-guid' }, undefined],
    ['common', { tid: `${ORG}/../x` }, undefined],
    ['common', {}, undefined],
    ['common', { tid: ORG.toUpperCase() }, issuerOf(ORG)],
    // A directory id fixes the issuer whatever the token claims.
    [ORG, { tid: OTHER_ORG }, issuerOf(ORG)],
    [ORG.toUpperCase(), {}, issuerOf(ORG)],
  ])('tenant %s, claims %j → %s', (tenant, claims, expected) => {
    expect(expectedMicrosoftIssuer(tenant, claims)).toBe(expected);
  });
});

describe('expectedGoogleIssuer', () => {
  it.each([
    ['https://accounts.google.com', 'https://accounts.google.com'],
    ['accounts.google.com', 'accounts.google.com'],
    ['https://evil.example', 'https://accounts.google.com'],
    [undefined, 'https://accounts.google.com'],
  ])('iss %s → %s', (iss, expected) => {
    expect(expectedGoogleIssuer({ iss })).toBe(expected);
  });
});

/** An unsigned-but-well-formed ID token: oauth4webapi checks claims, not signatures, of token endpoint answers. */
function idToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: 's', iat: now, exp: now + 600, ...claims })}.c2ln`;
}

function tokenResponse(claims: Record<string, unknown>): Response {
  return new Response(
    JSON.stringify({
      access_token: 'access',
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: 'refresh',
      id_token: idToken(claims),
    }),
    { status: 200, headers: { 'content-type': 'application/json' } },
  );
}

/** The ID token check as the consent runs it: oauth4webapi with the plan's authorization server. */
async function idTokenAccepted(tenant: string, claims: Record<string, unknown>): Promise<boolean> {
  const plan = planConsent({ provider: 'microsoft', tenant, clientId: 'app-id' });
  try {
    await oauth.processAuthorizationCodeResponse(
      plan.as,
      plan.client,
      tokenResponse({ aud: 'app-id', ...claims }),
    );
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(oauth.OperationProcessingError);
    expect((error as oauth.OperationProcessingError).cause).toMatchObject({ claim: 'iss' });
    return false;
  }
}

describe('the Microsoft multi-tenant issuer in the ID token check', () => {
  it('accepts, through common, the issuer of the directory the token names', async () => {
    expect(await idTokenAccepted('common', { iss: issuerOf(ORG), tid: ORG })).toBe(true);
  });

  it("refuses, through common, the literal …/common/v2.0 and an issuer that is not the token's directory", async () => {
    expect(await idTokenAccepted('common', { iss: issuerOf('common'), tid: ORG })).toBe(false);
    expect(await idTokenAccepted('common', { iss: issuerOf(OTHER_ORG), tid: ORG })).toBe(false);
    expect(await idTokenAccepted('common', { iss: issuerOf(ORG) })).toBe(false);
  });

  it('keeps personal and work accounts apart for consumers and organizations', async () => {
    const personal = { iss: issuerOf(MICROSOFT_CONSUMERS_TENANT_ID), tid: MICROSOFT_CONSUMERS_TENANT_ID };
    const work = { iss: issuerOf(ORG), tid: ORG };
    expect(await idTokenAccepted('consumers', personal)).toBe(true);
    expect(await idTokenAccepted('consumers', work)).toBe(false);
    expect(await idTokenAccepted('organizations', work)).toBe(true);
    expect(await idTokenAccepted('organizations', personal)).toBe(false);
  });

  it('holds a single-directory tenant to its own issuer', async () => {
    expect(await idTokenAccepted(ORG, { iss: issuerOf(ORG), tid: ORG })).toBe(true);
    expect(await idTokenAccepted(ORG, { iss: issuerOf(OTHER_ORG), tid: OTHER_ORG })).toBe(false);
  });

  it('accepts Google ID tokens with either documented issuer, and no other', async () => {
    const plan = planConsent({ provider: 'google', clientId: 'g-id' });
    const check = (iss: string) =>
      oauth.processAuthorizationCodeResponse(plan.as, plan.client, tokenResponse({ aud: 'g-id', iss }));
    await expect(check('https://accounts.google.com')).resolves.toMatchObject({ access_token: 'access' });
    await expect(check('accounts.google.com')).resolves.toMatchObject({ access_token: 'access' });
    await expect(check('https://accounts.google.com.evil.example')).rejects.toThrow(/"iss"/);
  });
});

describe('callbackIssuer', () => {
  const common = planConsent({ provider: 'microsoft', clientId: 'app-id' }).as;

  it("accepts a multi-tenant authorization response's directory issuer, and nothing else", () => {
    expect(callbackIssuer(common, 'microsoft', 'common', issuerOf(ORG)).issuer).toBe(issuerOf(ORG));
    expect(callbackIssuer(common, 'microsoft', 'common', 'https://evil.example/v2.0').issuer).toBe(
      common.issuer,
    );
    expect(callbackIssuer(common, 'microsoft', 'consumers', issuerOf(ORG)).issuer).toBe(common.issuer);
    expect(callbackIssuer(common, 'microsoft', 'common', null)).toBe(common);
    expect(callbackIssuer(common, 'google', undefined, issuerOf(ORG))).toBe(common);
  });
});
