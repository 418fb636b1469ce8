import { createRouter } from '../../create-router.js';
import { getThreadHandler, listThreadsHandler } from './threads.handlers.js';
import { getThread, listThreads } from './threads.routes.js';

export const threadsRouter = createRouter()
  .openapi(listThreads, listThreadsHandler)
  .openapi(getThread, getThreadHandler);
