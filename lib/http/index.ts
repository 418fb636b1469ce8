export { createAdminApp, createApp } from './app.js';
export type { AppDeps, AppEnv } from './app-env.js';
export { statusForCode } from './problem.js';
