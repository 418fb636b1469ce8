import { createRouter } from '../../create-router.js';
import {
  copyMessageHandler,
  deleteMessageHandler,
  moveMessageHandler,
  updateMessageHandler,
} from './message-writes.handlers.js';
import {
  copyMessage,
  copyMessageInMailbox,
  deleteMessage,
  deleteMessageInMailbox,
  moveMessage,
  moveMessageInMailbox,
  updateMessage,
  updateMessageInMailbox,
} from './message-writes.routes.js';

export const messageWritesRouter = createRouter()
  .openapi(updateMessage, updateMessageHandler)
  .openapi(moveMessage, moveMessageHandler)
  .openapi(copyMessage, copyMessageHandler)
  .openapi(deleteMessage, deleteMessageHandler)
  .openapi(updateMessageInMailbox, updateMessageHandler)
  .openapi(moveMessageInMailbox, moveMessageHandler)
  .openapi(copyMessageInMailbox, copyMessageHandler)
  .openapi(deleteMessageInMailbox, deleteMessageHandler);
