// The real parts every heart benchmark runs against: the testkit authorization server, the provider
// emulator checking tokens by introspection, device-flow logins, and an OAuthManager + cooldown
// ledger over whichever token store a measurement wants to look at.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock, type OAuthToken, type ProviderClient, type TokenStore } from '@baton/core';
import {
  startAuthorizationServer,
  startProviderEmulator,
  type AuthorizationServer,
  type ProviderEmulatorHandle,
  type QuotaRule,
} from '@baton/testkit';
import {
  parseProviderConfig,
  resolveProvider,
  startDeviceAuthorization,
  type ProviderConfig,
} from '../src/auth/flows/index.js';
import { OAuthManager } from '../src/auth/oauth-manager.js';
import { CooldownLedger } from '../src/auth/storage/cooldown-ledger.js';
import {
  createResilientClient,
  providerClientFor,
  type ResilientClient,
  type ResilientClientDeps,
} from '../src/auth/create-resilient-client.js';

export const PROVIDER = 'local';
const SCOPES = ['openid', 'offline_access', 'model.completion'];
/** Short real backoffs: the benchmarks are about failover, not about waiting. */
const FAST_RETRY = { initialDelayMs: 5, maxDelayMs: 20 };

export const accountOf = (bucket: string): string => `account-${bucket}`;

/** A spent window: every request answers 429 with a Retry-After of the window's rest (60 s). */
export const OUT_OF_QUOTA: QuotaRule = { requestsPerWindow: 0, windowMs: 60_000, mode: '429' };

export interface Stack {
  server: AuthorizationServer;
  emulator: ProviderEmulatorHandle;
  config: ProviderConfig;
  /** Logs `bucket` in through the real device flow (approved on the server as its own account). */
  login(bucket: string): Promise<OAuthToken>;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const server = await startAuthorizationServer();
  const emulator = await startProviderEmulator({
    introspection: { endpoint: server.introspectionEndpoint, ...server.introspectionClient },
  });
  const config = parseProviderConfig({
    name: PROVIDER,
    issuer: server.issuer,
    clientId: server.clientId,
    scopes: SCOPES,
    flow: 'device',
    api: 'openai',
    baseUrl: emulator.openaiBaseURL,
  });
  const resolved = await resolveProvider(config);
  return {
    server,
    emulator,
    config,
    async login(bucket) {
      const pending = await startDeviceAuthorization(resolved, { intervalMs: 20 });
      await server.approveDeviceCode(pending.userCode, { account: accountOf(bucket) });
      return pending.waitForToken();
    },
    async close() {
      await emulator.close();
      await server.close();
    },
  };
}

/** One process's view: a manager and a ledger over `store`, state files in a temp dir. */
export interface Harness {
  manager: OAuthManager;
  ledger: CooldownLedger;
  log: string[];
  client(buckets: string[], extra?: Partial<ResilientClientDeps>): ResilientClient;
  /** The provider client a ResilientClient would build by itself (to wrap it). */
  wireClient(): ProviderClient;
  close(): Promise<void>;
}

export async function startHarness(stack: Stack, store: TokenStore): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'baton-bench-'));
  const locksDir = path.join(dir, 'locks');
  const ledger = new CooldownLedger({ file: path.join(dir, 'cooldowns.json'), locksDir });
  const log: string[] = [];
  const manager = new OAuthManager({
    store,
    locksDir,
    ledger,
    providers: () => stack.config,
    renewal: false,
    log: (line) => log.push(line),
  });
  return {
    manager,
    ledger,
    log,
    client: (buckets, extra = {}) =>
      createResilientClient(
        { name: 'bench', provider: PROVIDER, model: 'bench-model', buckets },
        {
          manager,
          ledger,
          providerConfig: stack.config,
          interactive: false,
          retry: FAST_RETRY,
          log: (line) => log.push(line),
          ...extra,
        },
      ),
    wireClient: () => providerClientFor(stack.config, undefined, systemClock),
    async close() {
      manager.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends one request through the client and returns the text it streamed. */
export async function ask(client: ResilientClient, text: string): Promise<string> {
  let out = '';
  for await (const chunk of client.stream({ messages: [{ role: 'user', content: text }] })) {
    if (chunk.type === 'text') out += chunk.text;
  }
  return out;
}
