import { createRouter } from '../../create-router.js';
import {
  createWebhookHandler,
  deleteWebhookHandler,
  getWebhookHandler,
  listWebhooksHandler,
  testWebhookHandler,
  updateWebhookHandler,
} from './webhooks.handlers.js';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  testWebhook,
  updateWebhook,
} from './webhooks.routes.js';

export const webhooksRouter = createRouter()
  .openapi(createWebhook, createWebhookHandler)
  .openapi(listWebhooks, listWebhooksHandler)
  .openapi(getWebhook, getWebhookHandler)
  .openapi(updateWebhook, updateWebhookHandler)
  .openapi(deleteWebhook, deleteWebhookHandler)
  .openapi(testWebhook, testWebhookHandler);
