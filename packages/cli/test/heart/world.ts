// A whole baton world for the heart's tests, all real parts: the testkit authorization server, the
// provider emulator checking tokens by introspection, the encrypted-file store and the cooldown
// ledger in a temp dir, the OAuthManager with a device-flow login that the server approves.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock, type Clock, type OAuthToken, type RetryOptions } from '@baton/core';
import {
  startAuthorizationServer,
  startProviderEmulator,
  type AuthorizationServer,
  type ProviderEmulatorHandle,
  type QuotaRule,
} from '@baton/testkit';
import {
  parseProviderConfig,
  startDeviceAuthorization,
  type ProviderConfig,
} from '../../src/auth/flows/index.js';
import { OAuthManager, type LoginRunner } from '../../src/auth/oauth-manager.js';
import { CooldownLedger } from '../../src/auth/storage/cooldown-ledger.js';
import { EncryptedFileTokenStore } from '../../src/auth/storage/encrypted-file-token-store.js';
import {
  createResilientClient,
  type ResilientClient,
  type ResilientClientDeps,
} from '../../src/auth/create-resilient-client.js';
import type { FailoverSwitchEvent } from '../../src/auth/BucketFailoverHandlerImpl.js';
import type { RenewalEvent, RenewalTimers } from '../../src/auth/proactive-renewal.js';

export const PROVIDER = 'local';
export const SCOPES = ['openid', 'offline_access', 'model.completion'];
/** Retries fast in real time: these tests are about which bucket serves, not about the delays. */
export const FAST_RETRY: Partial<RetryOptions> = { initialDelayMs: 5, maxDelayMs: 20 };

export const accountOf = (bucket: string): string => `account-${bucket}`;

/** An exhausted window: every request answers 429 with a Retry-After of the window's rest. */
export const OUT_OF_QUOTA: QuotaRule = { requestsPerWindow: 0, windowMs: 60_000, mode: '429' };

export interface WorldOptions {
  quotas?: Record<string, QuotaRule>;
  clock?: Clock;
  /** How the login runner behaves: approve (default), or hang until aborted. */
  loginMode?: 'approve' | 'hang';
  accessTokenTtlSeconds?: number;
  /** Proactive renewal in the manager (off by default in these tests), on these timers. */
  renewalTimers?: RenewalTimers;
  onRenewalEvent?: (event: RenewalEvent) => void;
}

export interface World {
  server: AuthorizationServer;
  emulator: ProviderEmulatorHandle;
  dir: string;
  store: EncryptedFileTokenStore;
  ledger: CooldownLedger;
  config: ProviderConfig;
  manager: OAuthManager;
  /** Buckets the login runner was started for, in order. */
  logins: string[];
  /** User codes of device logins started and not approved (loginMode 'hang'). */
  pendingCodes: string[];
  /** Every debug line the manager and handler wrote. */
  log: string[];
  switches: FailoverSwitchEvent[];
  loginMode: 'approve' | 'hang';
  /** Logs a bucket in through the real device flow (as `baton auth login` would). */
  loginBucket(bucket: string): Promise<OAuthToken>;
  /** Rewrites the stored token of a bucket so that it has expired (the server does not care). */
  expire(bucket: string): Promise<void>;
  client(
    buckets: string[],
    options?: Partial<ResilientClientDeps> & { profile?: string },
  ): ResilientClient;
  /** Requests served per account (HTTP 200s the emulator sent). */
  served(bucket: string): number;
  close(): Promise<void>;
}

export async function ask(
  client: ResilientClient,
  text: string,
  signal?: AbortSignal,
): Promise<string> {
  let out = '';
  for await (const chunk of client.stream(
    { messages: [{ role: 'user', content: text }] },
    signal ? { signal } : {},
  )) {
    if (chunk.type === 'text') out += chunk.text;
  }
  return out;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const clock = options.clock ?? systemClock;
  const server = await startAuthorizationServer(
    options.accessTokenTtlSeconds ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {},
  );
  const emulator = await startProviderEmulator({
    introspection: { endpoint: server.introspectionEndpoint, ...server.introspectionClient },
    quotas: options.quotas ?? {},
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'baton-heart-'));
  const store = new EncryptedFileTokenStore({ dir: path.join(dir, 'tokens') });
  const locksDir = path.join(dir, 'locks');
  const ledger = new CooldownLedger({ file: path.join(dir, 'cooldowns.json'), locksDir, clock });
  const config = parseProviderConfig({
    name: PROVIDER,
    issuer: server.issuer,
    clientId: server.clientId,
    scopes: SCOPES,
    flow: 'device',
    api: 'openai',
    baseUrl: emulator.openaiBaseURL,
  });
  const logins: string[] = [];
  const pendingCodes: string[] = [];
  const log: string[] = [];
  const switches: FailoverSwitchEvent[] = [];
  const world = { loginMode: options.loginMode ?? 'approve' } as World;
  const login: LoginRunner = async ({ provider, bucket, signal }) => {
    logins.push(bucket);
    const pending = await startDeviceAuthorization(provider, { signal, intervalMs: 20 });
    if (world.loginMode === 'approve') {
      await server.approveDeviceCode(pending.userCode, { account: accountOf(bucket) });
    } else pendingCodes.push(pending.userCode);
    return pending.waitForToken();
  };
  const manager = new OAuthManager({
    store,
    locksDir,
    ledger,
    providers: () => config,
    login,
    clock,
    log: (line) => log.push(line),
    renewal: options.renewalTimers !== undefined,
    ...(options.renewalTimers ? { renewalTimers: options.renewalTimers } : {}),
    ...(options.onRenewalEvent ? { onRenewalEvent: options.onRenewalEvent } : {}),
  });
  return Object.assign(world, {
    server,
    emulator,
    dir,
    store,
    ledger,
    config,
    manager,
    logins,
    pendingCodes,
    log,
    switches,
    async loginBucket(bucket: string) {
      const before = world.loginMode;
      world.loginMode = 'approve';
      try {
        return await manager.authenticate(PROVIDER, bucket, { force: true });
      } finally {
        world.loginMode = before;
        logins.length = 0;
      }
    },
    async expire(bucket: string) {
      const token = await store.get(PROVIDER, bucket);
      if (!token) throw new Error(`no token for ${bucket}`);
      await store.save(PROVIDER, bucket, { ...token, expiry: Math.floor(clock.now() / 1000) - 60 });
    },
    client(buckets: string[], extra: Partial<ResilientClientDeps> & { profile?: string } = {}) {
      const { profile, ...deps } = extra;
      return createResilientClient(
        { name: profile ?? 'test', provider: PROVIDER, model: 'test-model', buckets },
        {
          manager,
          ledger,
          providerConfig: config,
          interactive: false,
          clock,
          retry: FAST_RETRY,
          log: (line) => log.push(line),
          onSwitch: (event) => switches.push(event),
          ...deps,
        },
      );
    },
    served(bucket: string) {
      return emulator.counters.byAccount[accountOf(bucket)]?.byStatus[200] ?? 0;
    },
    async close() {
      manager.dispose();
      await emulator.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  });
}
