// The provider emulator: public entry points.
export { startProviderEmulator, echoLastUserMessage, splitIntoWords } from './server.js';
export { formatOpenAIDuration } from './openai-wire.js';
export { CODEX_BASE_PATH } from './responses-wire.js';
export { CODE_ASSIST_BASE_PATH } from './code-assist-wire.js';
export type { CodeAssistEmulatorOptions } from './code-assist-setup.js';
export { retryAfterSeconds } from './quota.js';
export type * from './types.js';
export {
  DEFAULT_SEEN_AT,
  isStreamExpectation,
  loadProviderFixtures,
  PROVIDER_FIXTURES_DIR,
  seenAtMs,
  type FailureExpectation,
  type ProviderFixture,
  type StreamExpectation,
} from '../fixtures/provider-fixtures.js';
export { verbatimPayload } from './verbatim.js';
