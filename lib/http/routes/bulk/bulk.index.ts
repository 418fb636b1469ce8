import { createRouter } from '../../create-router.js';
import { bulkMessagesHandler } from './bulk.handlers.js';
import { bulkMessages } from './bulk.routes.js';

export const bulkRouter = createRouter().openapi(bulkMessages, bulkMessagesHandler);
