import { createRouter } from '../../create-router.js';
import { getAttachmentHandler, getRawHandler } from './downloads.handlers.js';
import { getAttachment, getAttachmentInMailbox, getRaw, getRawInMailbox } from './downloads.routes.js';

export const downloadsRouter = createRouter()
  .openapi(getRaw, getRawHandler)
  .openapi(getAttachment, getAttachmentHandler)
  .openapi(getRawInMailbox, getRawHandler)
  .openapi(getAttachmentInMailbox, getAttachmentHandler);
