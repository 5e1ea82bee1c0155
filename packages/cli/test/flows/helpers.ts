// Shared pieces of the flow tests: a provider config for the testkit server, introspection, and a
// driver that moves a FakeClock while real HTTP happens underneath.
import { createServer, type Server } from 'node:net';
import type { FakeClock } from '@baton/core';
import type { AuthorizationServer } from '@baton/testkit';
import {
  parseProviderConfig,
  type CustomProviderInput,
  type ProviderConfig,
} from '../../src/auth/flows/index.js';

export const TEST_SCOPES = ['openid', 'offline_access', 'model.completion'];

export function localProvider(
  server: AuthorizationServer,
  overrides: Partial<CustomProviderInput> = {},
): ProviderConfig {
  return parseProviderConfig({
    name: 'local',
    issuer: server.issuer,
    clientId: server.clientId,
    scopes: TEST_SCOPES,
    flow: 'device',
    api: 'openai',
    baseUrl: 'http://127.0.0.1:9/v1',
    ...overrides,
  });
}

export async function introspect(
  server: AuthorizationServer,
  token: string,
): Promise<Record<string, unknown>> {
  const { clientId, clientSecret } = server.introspectionClient;
  const res = await fetch(server.introspectionEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }).toString(),
  });
  return (await res.json()) as Record<string, unknown>;
}

const REAL_TICK_MS = 5;

/** Settles `promise`, advancing the fake clock by `stepMs` whenever something sleeps on it. */
export async function driveFakeClock<T>(
  clock: FakeClock,
  promise: Promise<T>,
  stepMs: number,
  onIdle?: () => void,
): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  tracked.catch(() => undefined);
  while (!settled) {
    if (clock.pendingSleepers > 0) await clock.advance(stepMs);
    else await new Promise((resolve) => setTimeout(resolve, REAL_TICK_MS));
    onIdle?.();
  }
  return tracked;
}

/** Resolves once the fake clock has someone sleeping on it. */
export async function untilSleeping(clock: FakeClock, count = 1): Promise<void> {
  while (clock.pendingSleepers < count) {
    await new Promise((resolve) => setTimeout(resolve, REAL_TICK_MS));
  }
}

export function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const socket = createServer();
    socket.once('error', reject);
    socket.listen(port, '127.0.0.1', () => resolve(socket));
  });
}

export const closeServer = (s: Server): Promise<void> =>
  new Promise((resolve) => s.close(() => resolve()));

export async function freePort(): Promise<number> {
  const s = await listenOn(0);
  const { port } = s.address() as { port: number };
  await closeServer(s);
  return port;
}

/** True when nothing listens on the port any more. */
export async function portIsFree(port: number): Promise<boolean> {
  try {
    await closeServer(await listenOn(port));
    return true;
  } catch {
    return false;
  }
}

/** What `fn` throws, or undefined when it returns (so a test can assert on the error itself). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error;
  }
}
