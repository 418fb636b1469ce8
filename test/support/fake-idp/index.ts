export { FakeIdpControl } from './control.js';
export { type FakeIdp, startFakeIdp } from './server.js';
export type { FakeIdpClientSettings, FakeIdpGrant, FakeIdpStats } from './types.js';
