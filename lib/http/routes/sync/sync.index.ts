import { createRouter } from '../../create-router.js';
import { getChangesHandler, waitForChangeHandler } from './sync.handlers.js';
import { getChanges, waitForChange } from './sync.routes.js';

export const syncRouter = createRouter()
  .openapi(getChanges, getChangesHandler)
  .openapi(waitForChange, waitForChangeHandler);
