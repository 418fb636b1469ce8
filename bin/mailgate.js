#!/usr/bin/env node
// The project runs TypeScript through tsx; this shim lets `npx mailgate` do the same.
import { register } from 'tsx/esm/api';

register();
await import('../functions/cli.ts');
