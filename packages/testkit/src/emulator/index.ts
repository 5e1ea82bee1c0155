// The provider emulator: public entry points.
export { startProviderEmulator, echoLastUserMessage, splitIntoWords } from './server.js';
export { formatOpenAIDuration } from './openai-wire.js';
export { retryAfterSeconds } from './quota.js';
export type * from './types.js';
