// @baton/core: the token model, failure classification and the retry/failover engine.
export * from './util/clock.js';
export * from './util/fake-clock.js';
export * from './auth/token.js';
export * from './providers/errors.js';
export * from './providers/classify.js';
export * from './providers/retry-after.js';
export * from './config/failover.js';
export * from './auth/names.js';
export * from './auth/token-store.js';
export * from './auth/memory-token-store.js';
export * from './providers/backoff.js';
export * from './providers/retry-decision.js';
export * from './providers/RetryOrchestrator.js';
export * from './providers/types.js';
export * from './providers/sdk-client.js';
export * from './providers/anthropic/AnthropicMessagesClient.js';
export * from './providers/openai/OpenAIChatClient.js';
