// Token storage for the CLI: OS keychain and encrypted-file stores, the backend choice,
// cross-process locks and the cooldown ledger.
export * from './keychain.js';
export * from './chunking.js';
export * from './keychain-token-store.js';
export * from './envelope.js';
export * from './encrypted-file-token-store.js';
export * from './create-token-store.js';
export * from './file-lock.js';
export * from './cooldown-ledger.js';
export * from './backend-record.js';
export * from './migrate-store.js';
export * from './store-key.js';
