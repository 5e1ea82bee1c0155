// @baton/cli: the OS-facing parts of baton (storage, flows, commands) and the `baton` program.
export { createProgram } from './program.js';
export { BATON_VERSION } from './version.js';
export * from './paths.js';
export * from './util/atomic-write.js';
export * from './auth/storage/index.js';
export * from './auth/flows/index.js';
export * from './auth/credential.js';
export * from './auth/proactive-renewal.js';
export * from './auth/oauth-manager.js';
export * from './auth/BucketFailoverHandlerImpl.js';
export * from './auth/create-resilient-client.js';
