// OAuth login and refresh flows (they return tokens and never store them) and provider presets.
export * from './errors.js';
export * from './provider-config.js';
export * from './oauth-client.js';
export * from './token-response.js';
export * from './failure.js';
export * from './device-flow.js';
export * from './loopback-listener.js';
export * from './pasted-code.js';
export * from './pkce-flow.js';
export * from './raced-flow.js';
export * from './refresh.js';
export * from './account.js';
export * from './login.js';
export * from './presets/index.js';
