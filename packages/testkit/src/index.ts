// @baton/testkit: a real local authorization server and a provider emulator.
export const TESTKIT_VERSION = '0.1.0';
export * from './auth-server/index.js';
export * from './emulator/index.js';
export * from './raw-http/index.js';
