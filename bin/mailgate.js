#!/usr/bin/env node
// `mailgate`: runs the compiled CLI (`npm run build`, which `npm ci` and `npm pack` run through `prepare`).
// A checkout that was never built falls back to the TypeScript sources through tsx, a dev dependency.
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/functions/cli.js', import.meta.url);
try {
  await import(built.href);
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(fileURLToPath(built)))
    throw error;
  const { register } = await import('tsx/esm/api');
  register();
  await import('../functions/cli.ts');
}
