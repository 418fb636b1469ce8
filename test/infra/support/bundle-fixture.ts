import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AccountDocument } from '../../../lib/credentials/account.js';
import { mintToken } from '../../../lib/credentials/tokens.js';
import type { SeedMessage } from '../../../lib/devmail/seed.js';
import { createMailUser, type MailUser } from '../../support/mail-server.js';
import { type Synthesis, synthesize } from './cdk-synth.js';
import { buildFunctionUrlEvent, buildHttpApiEvent, buildLambdaContext } from './lambda-events.js';
import {
  installStreamingRuntime,
  invokeStreaming,
  type StreamedResponse,
  type StreamingHandler,
} from './lambda-streaming-runtime.js';
import { type SecretsManagerStub, startSecretsManagerStub } from './secrets-manager-stub.js';

export const API_DOMAIN = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
export const DOWNLOAD_DOMAIN = 'f6g7h8i9j0.lambda-url.eu-west-1.on.aws';
/** What CloudFormation puts in MAILGATE_DOWNLOAD_BASE_URL: a Function URL ends with a slash. */
export const DOWNLOAD_BASE_URL = `https://${DOWNLOAD_DOMAIN}/`;
export const ACCOUNT_ID = 'dove';

export interface BufferedResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

type BufferedHandler = (event: unknown, context: unknown) => Promise<BufferedResult>;

export interface GatewayBundles {
  synthesis: Synthesis;
  user: MailUser;
  secrets: SecretsManagerStub;
  token: string;
  /** An admin token, stored with the read token. */
  adminToken: string;
  callApi(path: string, options?: { token?: string | null; query?: string }): Promise<BufferedResult>;
  /** The account API's bundle, as API Gateway invokes it on its routes (admin token by default). */
  callAdmin(
    method: string,
    path: string,
    options?: { token?: string | null; query?: string; json?: unknown },
  ): Promise<BufferedResult>;
  callDownloads(
    path: string,
    onBody: (chunk: Buffer) => void,
    options?: { token?: string | null },
  ): Promise<StreamedResponse>;
  close(): Promise<void>;
}

/** Environment values from the synthesized template; the one CloudFormation reference becomes a fixed URL. */
function applyEnvironment(variables: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(variables)) {
    if (key === 'NODE_OPTIONS') continue;
    process.env[key] =
      typeof value === 'string' ? value : key === 'MAILGATE_DOWNLOAD_BASE_URL' ? DOWNLOAD_BASE_URL : '';
  }
}

/**
 * Synthesizes the app with bundling, seeds a fresh Dovecot user, stores its
 * account and a token in a stubbed Secrets Manager, and loads both bundles
 * from the cloud assembly with each function's own environment.
 */
export async function loadGatewayBundles(messages: SeedMessage[]): Promise<GatewayBundles> {
  const [synthesis, user] = await Promise.all([synthesize(), createMailUser('bundles')]);
  await user.seed('INBOX', messages);

  const prefix = String(synthesis.fn('JSON API').environment.MAILGATE_SECRET_PREFIX);
  const { token, record } = mintToken({ accounts: [ACCOUNT_ID], scope: 'read', label: 'bundle tests' });
  const admin = mintToken({ accounts: '*', scope: 'admin', label: 'bundle tests' });
  const account: AccountDocument = user.account();
  const secrets = await startSecretsManagerStub({
    [`${prefix}index`]: JSON.stringify({
      accounts: [ACCOUNT_ID],
      tokens: [record.tokenId, admin.record.tokenId].sort(),
    }),
    [`${prefix}accounts/${ACCOUNT_ID}`]: JSON.stringify(account),
    [`${prefix}tokens/${record.tokenId}`]: JSON.stringify(record),
    [`${prefix}tokens/${admin.record.tokenId}`]: JSON.stringify(admin.record),
  });
  // Read by the real SDK client inside the bundles, as the Lambda runtime's environment would be.
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  const apiFn = synthesis.fn('JSON API');
  applyEnvironment(apiFn.environment);
  const api = (await import(pathToFileURL(join(apiFn.assetDir, 'index.mjs')).href)) as {
    handler: BufferedHandler;
  };

  const adminFn = synthesis.fn('account API');
  for (const key of Object.keys(apiFn.environment)) delete process.env[key];
  applyEnvironment(adminFn.environment);
  const adminBundle = (await import(pathToFileURL(join(adminFn.assetDir, 'index.mjs')).href)) as {
    handler: BufferedHandler;
  };

  const downloadsFn = synthesis.fn('downloads');
  for (const key of Object.keys(adminFn.environment)) delete process.env[key];
  applyEnvironment(downloadsFn.environment);
  installStreamingRuntime();
  const downloads = (await import(pathToFileURL(join(downloadsFn.assetDir, 'index.mjs')).href)) as {
    handler: StreamingHandler;
  };

  const authorization = (given: string | null | undefined): Record<string, string> => {
    const value = given === undefined ? token : given;
    return value === null ? {} : { authorization: `Bearer ${value}` };
  };
  return {
    synthesis,
    user,
    secrets,
    token,
    adminToken: admin.token,
    callAdmin(method, path, options = {}) {
      const event = buildHttpApiEvent({
        method,
        path,
        query: options.query,
        domainName: API_DOMAIN,
        headers: {
          ...authorization(options.token === undefined ? admin.token : options.token),
          ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
      });
      return adminBundle.handler(event, buildLambdaContext('mailgate-admin', adminFn.timeoutSeconds * 1000));
    },
    callApi(path, options = {}) {
      const event = buildHttpApiEvent({
        path,
        query: options.query,
        domainName: API_DOMAIN,
        headers: authorization(options.token),
      });
      return api.handler(event, buildLambdaContext('mailgate-api', apiFn.timeoutSeconds * 1000));
    },
    callDownloads(path, onBody, options = {}) {
      const event = buildFunctionUrlEvent({
        path,
        domainName: DOWNLOAD_DOMAIN,
        headers: authorization(options.token),
      });
      const context = buildLambdaContext('mailgate-downloads', downloadsFn.timeoutSeconds * 1000);
      return invokeStreaming(downloads.handler, event, context, onBody);
    },
    async close() {
      await secrets.close();
      await rm(synthesis.outdir, { recursive: true, force: true });
    },
  };
}
