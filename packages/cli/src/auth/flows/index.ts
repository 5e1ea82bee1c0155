// OAuth login and refresh flows (they return tokens and never store them) and provider presets.
export * from './errors.js';
export * from './provider-config.js';
export * from './oauth-client.js';
export * from './device-flow.js';
export * from './loopback-listener.js';
export * from './pkce-flow.js';
export * from './refresh.js';
export * from './presets/index.js';
