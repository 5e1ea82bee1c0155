// The credential machinery a command needs, built from the factory: the token store BATON_STORE
// picks, the cooldown ledger, and the OAuthManager with this terminal's login UI.
import type { TokenStore, TokenStoreError } from '@baton/core';
import { OAuthManager, type LoginRunner } from '../auth/oauth-manager.js';
import type { RenewalEvent } from '../auth/proactive-renewal.js';
import { CooldownLedger, createTokenStore } from '../auth/storage/index.js';
import { resolveProviderConfig } from '../config/provider-registry.js';
import { createLoginRunner, type LoginRunnerOptions } from './auth/login-runner.js';
import type { Factory } from './factory.js';

export interface Services {
  store: TokenStore;
  /** Why this backend was chosen (for status and doctor). */
  storeReason: string;
  /** The chosen backend did not answer just now (a locked or unreachable keychain). */
  outage?: TokenStoreError;
  ledger: CooldownLedger;
  manager: OAuthManager;
  dispose(): void;
}

export interface ServicesOptions {
  /** Login UI options, or a whole runner (the demo); default: the terminal runner. */
  login?: LoginRunnerOptions | LoginRunner;
  /** Proactive renewal; one-shot commands turn it off so nothing outlives the command. */
  renewal?: boolean;
  onRenewalEvent?: (event: RenewalEvent) => void;
}

export async function createServices(
  factory: Factory,
  options: ServicesOptions = {},
): Promise<Services> {
  const { paths, clock, random } = factory;
  const created = await createTokenStore({ env: factory.env, clock });
  factory.log(`token store: ${created.backend} (${created.reason})`);
  for (const warning of created.warnings) factory.out.warn(warning);
  const ledger = new CooldownLedger({
    file: paths.cooldownsFile,
    locksDir: paths.locksDir,
    clock,
    random,
    onWarning: (warning) => factory.out.warn(warning.message),
  });
  const login =
    typeof options.login === 'function'
      ? options.login
      : createLoginRunner(factory, options.login ?? {});
  const manager = new OAuthManager({
    store: created.store,
    locksDir: paths.locksDir,
    ledger,
    // Retired presets still describe the API of their API-key buckets; their logins are refused
    // by `auth login` before the manager is asked.
    providers: (name) => resolveProviderConfig(name, paths, { allowRetired: true }),
    login,
    clock,
    random,
    log: factory.log,
    renewal: options.renewal ?? false,
    ...(options.onRenewalEvent ? { onRenewalEvent: options.onRenewalEvent } : {}),
  });
  return {
    store: created.store,
    storeReason: created.reason,
    ...(created.outage ? { outage: created.outage } : {}),
    ledger,
    manager,
    dispose: () => manager.dispose(),
  };
}

/** Aborts on Ctrl-C (SIGINT) while `body` runs, so logins and requests stop cleanly. */
export async function withInterrupt<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
