import { createRouter } from '../../create-router.js';
import { getMessageHandler } from './message-get.handler.js';
import { listMessagesHandler } from './messages.handlers.js';
import { getMessage, getMessageInMailbox, listMessages } from './messages.routes.js';

export const messagesRouter = createRouter()
  .openapi(listMessages, listMessagesHandler)
  .openapi(getMessage, getMessageHandler)
  .openapi(getMessageInMailbox, getMessageHandler);
