// The test authorization server: public entry points.
export * from './server.js';
export { refreshTokenHash, type RefreshFault, type TokenEndpointCounters } from './token-gate.js';
export { parseForm, type AuthorizationResult } from './browser.js';
