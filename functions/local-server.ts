/**
 * Local entry point (`npm start`): serves the gateway on Node. With no
 * accounts configured it starts the demo mailbox first.
 */
import { loadConfig } from '../lib/config/env.js';
import { startNodeServer } from '../lib/http/node-server.js';
import { poolOptionsFromEnv } from '../lib/imap/index.js';
import { createLocalDeps } from '../lib/local/create-local-deps.js';
import { openLocalCredentialStore } from '../lib/local/credential-store.js';
import { type LocalWebhooks, startLocalWebhooks } from '../lib/local/local-webhooks.js';
import { serveMcp } from '../lib/local/mcp-route.js';
import { createLogger } from '../lib/log/create-logger.js';
import { WebhookStoreLockedError } from '../lib/webhooks/local-store/index.js';

const say = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  let config = loadConfig();
  const logger = createLogger({ level: config.MAILGATE_LOG_LEVEL, fields: { service: 'mailgate' } });
  // The file store without the AWS SDK; Secrets Manager (MAILGATE_STORE) loads it.
  let credentials = await openLocalCredentialStore(config);
  const configured = await credentials.listAccountIds();
  // The demo (its Dovecot installer, seeding client and messages) is loaded only when it runs.
  const demo =
    configured.length === 0 && config.MAILGATE_DEMO !== false
      ? await (await import('../lib/devmail/demo.js')).startDemo(say)
      : undefined;
  if (demo) {
    // The demo's receivers run on this machine: webhook URLs may name loopback over plain http.
    config = {
      ...config,
      MAILGATE_STORE: 'file',
      MAILGATE_ACCOUNTS_FILE: demo.accountsFile,
      MAILGATE_WEBHOOK_ALLOW_PRIVATE: config.MAILGATE_WEBHOOK_ALLOW_PRIVATE ?? true,
    };
    credentials = await openLocalCredentialStore(config);
  }

  // A long-lived process keeps IMAP connections a few seconds between requests (MAILGATE_IMAP_REUSE).
  const deps = createLocalDeps({ credentials, config, logger, reuse: poolOptionsFromEnv(process.env, 'on') });
  // The webhook watcher and deliverer run in this process (MAILGATE_WEBHOOKS, on by default).
  let webhooks: LocalWebhooks | undefined;
  if (config.MAILGATE_WEBHOOKS !== false) {
    try {
      webhooks = await startLocalWebhooks({
        config,
        logger,
        credentials,
        stores: deps.stores,
        tokens: deps.tokens,
      });
      deps.webhooks = webhooks.deps;
    } catch (error) {
      // One process per store directory: a second server in the same place serves mail without webhooks.
      if (!(error instanceof WebhookStoreLockedError)) throw error;
      say(`Webhooks off: ${error.detail} Set MAILGATE_WEBHOOK_DIR to another directory to run them here.`);
    }
  }
  const running = await startNodeServer(deps, { hostname: config.HOST, port: config.PORT });
  // MCP (streamable HTTP) at /mcp beside the API: the local server only, never a Lambda bundle.
  serveMcp(running.server, deps);
  const base = running.url;
  say(`mailgate listening on ${base}`);
  say(`API reference: ${base}/docs`);
  say(`MCP (streamable HTTP): ${base}/mcp`);
  say(
    webhooks
      ? `Webhooks on (store: ${webhooks.directory}${webhooks.deps.allowPrivate ? '; loopback and private URLs allowed' : ''}).`
      : config.MAILGATE_WEBHOOKS === false
        ? 'Webhooks off (MAILGATE_WEBHOOKS=false).'
        : 'Webhooks off.',
  );
  if (config.MAILGATE_PUBLIC_ORIGINS === undefined && (config.HOST === '0.0.0.0' || config.HOST === '::')) {
    say(`Links in answers name ${base}; set MAILGATE_PUBLIC_ORIGINS to the address clients use.`);
  }
  if (demo) {
    say('');
    say(`Demo mailbox running (accounts: ${demo.accountIds.join(', ')}). Demo token (shown once):`);
    say(`  ${demo.token}`);
    say('List the demo INBOX:');
    say(
      `  curl -s -H 'Authorization: Bearer ${demo.token}' ${base}/v1/accounts/demo/mailboxes/INBOX/messages`,
    );
  } else {
    say(`Serving ${configured.length} configured account(s).`);
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.close();
    // After the server: no route changes the store any more; deliveries in flight are recorded.
    await webhooks?.stop();
    deps.pool?.close();
    await demo?.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  say(`mailgate failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
