// The OAuthManager as the manager tests build it, in the test process and in every child: one
// provider, renewal off (these tests count every refresh grant), debug lines kept for inspection.
import type { TokenStore } from '@baton/core';
import { OAuthManager } from '../../src/auth/oauth-manager.js';
import type { ProviderConfig } from '../../src/auth/flows/provider-config.js';
import type { CooldownLedger } from '../../src/auth/storage/cooldown-ledger.js';
import type { RefreshRole } from './protocol.js';

export interface ManagerParts {
  store: TokenStore;
  ledger: CooldownLedger;
  locksDir: string;
  config: ProviderConfig;
}

export function testManager(parts: ManagerParts): { manager: OAuthManager; lines: string[] } {
  const lines: string[] = [];
  const manager = new OAuthManager({
    store: parts.store,
    ledger: parts.ledger,
    locksDir: parts.locksDir,
    providers: () => parts.config,
    renewal: false,
    log: (line) => lines.push(line),
  });
  return { manager, lines };
}

/** A debug line saying that this process called the token endpoint and stored the result. */
export const isRefreshLine = (line: string): boolean => line.startsWith('refreshed ');

/** What the manager did for one call, from the debug lines the call produced. */
export function roleOf(lines: string[]): RefreshRole {
  if (lines.some(isRefreshLine)) return 'refreshed';
  if (lines.some((line) => /another process already refreshed|already changed/.test(line)))
    return 'reused-other';
  return 'read-fresh';
}
