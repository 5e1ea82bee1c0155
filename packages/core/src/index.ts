// @baton/core: the token model, failure classification and the retry/failover engine.
export * from './util/clock.js';
export * from './util/fake-clock.js';
export * from './auth/token.js';
export * from './providers/errors.js';
export * from './providers/classify.js';
export * from './config/failover.js';
