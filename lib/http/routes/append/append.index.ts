import { createRouter } from '../../create-router.js';
import { appendMessageHandler } from './append.handlers.js';
import { appendMessage } from './append.routes.js';

export const appendRouter = createRouter().openapi(appendMessage, appendMessageHandler);
