/**
 * The OpenAPI document exactly as the gateway serves it: `GET /openapi.json`
 * of the real app, answered in process (no server, no network). The client's
 * type generation and the document's lint both start from it.
 */
import { loadConfig } from '../../lib/config/env.js';
import type { CredentialStore } from '../../lib/credentials/store.js';
import { createApp } from '../../lib/http/app.js';
import { createLogger } from '../../lib/log/create-logger.js';
import type { MailStoreFactory } from '../../lib/mail/store.js';

/** Answering /openapi.json reads no account, token or mailbox: any use of one is a bug here. */
const unused = (what: string) =>
  new Proxy(
    {},
    {
      get(_target, property) {
        throw new Error(`building the OpenAPI document touched ${what}.${String(property)}`);
      },
    },
  );

/** The document the gateway serves at GET /openapi.json, from the real app in process. */
export async function servedDocument(): Promise<unknown> {
  const app = createApp({
    credentials: unused('credentials') as CredentialStore,
    stores: unused('stores') as MailStoreFactory,
    config: loadConfig({}),
    logger: createLogger({ level: 'silent' }),
  });
  const response = await app.request('http://127.0.0.1/openapi.json');
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
  return response.json();
}
