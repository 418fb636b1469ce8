import { loadConfig } from '../config/env.js';
import { createLogger } from '../log/create-logger.js';
import { ConfigurationError } from '../mail/errors.js';
import type { Logger } from '../mail/logger.js';
import {
  createDeliveryHandler,
  createPollerHandler,
  type DeliveryDeps,
  type PollerDeps,
} from '../webhooks/aws/handlers.js';
import { createLambdaDeps, type LambdaDepsOptions } from './create-lambda-deps.js';
import { type WebhookBackends, webhookBackends } from './webhook-backends.js';

/**
 * The webhook functions' handlers, built from the environment the stack
 * sets (infra/webhooks.ts) once per cold start.
 */

function required(backends: WebhookBackends | undefined): WebhookBackends {
  if (backends === undefined) {
    throw new ConfigurationError(
      'MAILGATE_WEBHOOK_TABLE and MAILGATE_WEBHOOK_QUEUE_URL must be set for the webhook functions.',
    );
  }
  return backends;
}

export interface PollerLambdaOptions extends Omit<LambdaDepsOptions, 'admin'> {
  /** Only for tests in-process. */
  now?: PollerDeps['now'];
  /** Only for tests in-process: instead of the JSON logger on stdout. */
  logger?: Logger;
  /** Only for tests in-process. */
  pollerOptions?: Omit<NonNullable<PollerDeps['options']>, 'connectionsPerAccount'>;
}

/**
 * The scheduled poller: it reads mail through the same credential store
 * and store factory as the API function (createLambdaDeps), and its
 * connections per account from MAILGATE_WEBHOOK_ACCOUNT_CONNECTIONS.
 * @throws ConfigurationError for an unusable environment.
 */
export function createPollerLambdaHandler(options: PollerLambdaOptions = {}) {
  const deps = createLambdaDeps(options);
  const { repository, wakeUps } = required(webhookBackends(deps.config, options.webhookClients));
  return createPollerHandler({
    repository,
    wakeUps,
    credentials: deps.credentials,
    stores: deps.stores,
    logger: options.logger ?? deps.logger,
    ...(options.now === undefined ? {} : { now: options.now }),
    options: {
      ...options.pollerOptions,
      connectionsPerAccount: deps.config.MAILGATE_WEBHOOK_ACCOUNT_CONNECTIONS,
    },
  });
}

export interface DeliveryLambdaOptions extends Pick<LambdaDepsOptions, 'env' | 'webhookClients'> {
  /**
   * Loopback and private receivers and plain http: only for tests
   * in-process. The deployed function never allows them, whatever its
   * environment says (the stack does not set MAILGATE_WEBHOOK_ALLOW_PRIVATE).
   */
  allowPrivateForTests?: boolean;
  now?: DeliveryDeps['now'];
  random?: DeliveryDeps['random'];
  deliveryOptions?: DeliveryDeps['options'];
  /** Only for tests in-process: instead of the JSON logger on stdout. */
  logger?: Logger;
}

/**
 * The delivery queue's consumer: the table and the queue, no credential
 * store (it reads no mail and holds no secrets access).
 * @throws ConfigurationError for an unusable environment.
 */
export function createDeliveryLambdaHandler(options: DeliveryLambdaOptions = {}) {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  const logger =
    options.logger ??
    createLogger({
      level: config.MAILGATE_LOG_LEVEL,
      fields: { service: 'mailgate', function: env.AWS_LAMBDA_FUNCTION_NAME },
    });
  const { repository, wakeUps } = required(webhookBackends(config, options.webhookClients));
  return createDeliveryHandler({
    repository,
    wakeUps,
    logger,
    allowPrivate: options.allowPrivateForTests === true,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.deliveryOptions === undefined ? {} : { options: options.deliveryOptions }),
  });
}
