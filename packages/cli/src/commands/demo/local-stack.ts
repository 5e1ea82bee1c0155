// A complete provider on loopback for the demo, the smoke script and end-to-end tests: the testkit
// authorization server (device flow, refresh rotation, short token lifetimes) and the provider
// emulator that checks its tokens by introspection and enforces per-account quotas.
import {
  startAuthorizationServer,
  startProviderEmulator,
  type AuthorizationServer,
  type EmulatorRequestInfo,
  type ProviderEmulatorHandle,
  type QuotaRule,
} from '@baton/testkit';
import type { Clock } from '@baton/core';
import type { CustomProviderInput } from '../../auth/flows/index.js';

export interface LocalStackOptions {
  accessTokenTtlSeconds?: number;
  /** Quota for every account without its own rule. */
  defaultQuota?: QuotaRule;
  reply?: (request: EmulatorRequestInfo) => string;
  /** The emulator's clock (quota windows, Retry-After); the demo runs it fast. */
  clock?: Clock;
}

export interface LocalStack {
  server: AuthorizationServer;
  emulator: ProviderEmulatorHandle;
  /** A custom provider description (device flow, Anthropic wire) for this stack. */
  provider(name: string): CustomProviderInput;
  close(): Promise<void>;
}

/** Scopes that make the server issue refresh tokens and the emulator accept the access tokens. */
export const LOCAL_SCOPES = ['openid', 'offline_access', 'model.completion'];

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const server = await startAuthorizationServer({
    ...(options.accessTokenTtlSeconds !== undefined
      ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds }
      : {}),
  });
  let emulator: ProviderEmulatorHandle;
  try {
    emulator = await startProviderEmulator({
      introspection: { endpoint: server.introspectionEndpoint, ...server.introspectionClient },
      ...(options.defaultQuota ? { defaultQuota: options.defaultQuota } : {}),
      ...(options.reply ? { reply: options.reply } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    server,
    emulator,
    provider: (name) => ({
      name,
      issuer: server.issuer,
      clientId: server.clientId,
      scopes: LOCAL_SCOPES,
      flow: 'device',
      api: 'anthropic',
      baseUrl: emulator.anthropicBaseURL,
    }),
    close: async () => {
      await emulator.close();
      await server.close();
    },
  };
}
