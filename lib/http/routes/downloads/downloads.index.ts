import { createRouter } from '../../create-router.js';
import { getAttachmentHandler, getRawHandler } from './downloads.handlers.js';
import { getAttachment, getRaw } from './downloads.routes.js';

export const downloadsRouter = createRouter()
  .openapi(getRaw, getRawHandler)
  .openapi(getAttachment, getAttachmentHandler);
