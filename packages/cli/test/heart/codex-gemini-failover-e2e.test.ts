// Three-bucket profiles on the codex and gemini wires failing over end to end through
// createResilientClient: real authorization server (device logins), real encrypted store and ledger,
// and the emulator speaking the Codex Responses backend and the Code Assist API over HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import {
  startProviderEmulator,
  type ProviderEmulatorHandle,
  type ProviderEmulatorOptions,
  type QuotaRule,
} from '@baton/testkit';
import { accountOf, ask, PROVIDER, startWorld, type World } from './world.js';

/** A spent usage window that reopens in an hour: quota, not a wait worth sitting out. */
const SPENT: QuotaRule = { requestsPerWindow: 0, windowMs: 3_600_000, mode: 'usage-limit-body' };
const BUCKETS = ['a', 'b', 'c'];

let world: World | undefined;
let emulator: ProviderEmulatorHandle | undefined;
afterEach(async () => {
  await emulator?.close();
  await world?.close();
  emulator = world = undefined;
});

/**
 * The heart's world (auth server, store, ledger, manager, device logins) with a second emulator for
 * the account wires, checking the same tokens by introspection. `fields` are stored with each token.
 */
async function setup(
  options: ProviderEmulatorOptions,
  fields: (bucket: string) => Record<string, unknown> = () => ({}),
) {
  const w = (world = await startWorld());
  emulator = await startProviderEmulator({
    introspection: { endpoint: w.server.introspectionEndpoint, ...w.server.introspectionClient },
    quotas: { [accountOf('a')]: SPENT, [accountOf('b')]: SPENT },
    ...options,
  });
  for (const bucket of BUCKETS) {
    const token = await w.loginBucket(bucket);
    await w.store.save(PROVIDER, bucket, { ...token, ...fields(bucket) });
  }
  return { w, emu: emulator };
}

const requestsOf = (emu: ProviderEmulatorHandle, bucket: string) =>
  emu.requests.filter((r) => r.account === accountOf(bucket));

describe('codex: Responses API on the Codex backend', () => {
  it('a and b out of their usage window → c serves; each request named its own account', async () => {
    const { w, emu } = await setup({}, (bucket) => ({ account_id: `chatgpt-${bucket}` }));
    const client = w.client(BUCKETS, {
      providerConfig: {
        ...w.config,
        api: 'openai-responses',
        baseUrl: `${emu.url}/backend-api/codex`,
      },
    });
    await expect(ask(client, 'hello codex')).resolves.toBe('hello codex');
    expect(client.currentBucket()).toBe('c');
    expect(client.handler.getLastFailoverReasons()).toEqual({
      a: 'quota-exhausted',
      b: 'quota-exhausted',
    });
    for (const bucket of BUCKETS) {
      const [seen] = requestsOf(emu, bucket);
      expect(seen?.status).toBe(bucket === 'c' ? 200 : 429);
      expect(seen?.headers['chatgpt-account-id']).toBe(`chatgpt-${bucket}`);
      expect(seen?.headers.originator).toBe('codex_cli_rs');
      expect(seen?.body).toMatchObject({ store: false, stream: true });
    }
    // The ledger holds a and b out until the reset the 429 stated (an hour).
    const cooling = await w.ledger.get(PROVIDER, 'a');
    expect(cooling?.reason).toBe('quota-exhausted');
    expect(cooling!.until).toBeGreaterThan(Date.now() + 3_500_000);

    // The next turn goes straight to c.
    await client.newTurn();
    await expect(ask(client, 'again')).resolves.toBe('again');
    expect(requestsOf(emu, 'a')).toHaveLength(1);
    expect(requestsOf(emu, 'c').map((r) => r.status)).toEqual([200, 200]);
  });
});

describe('gemini: Code Assist API', () => {
  it('a and b out of quota → c, which had no project yet, is onboarded and serves', async () => {
    const { w, emu } = await setup(
      { codeAssist: { projects: { [accountOf('a')]: 'project-a' }, onboardAtOnce: true } },
      (bucket) => (bucket === 'a' ? { project_id: 'project-a' } : {}),
    );
    const client = w.client(BUCKETS, {
      providerConfig: { ...w.config, api: 'code-assist', baseUrl: `${emu.url}/v1internal` },
    });
    await expect(ask(client, 'hello gemini')).resolves.toBe('hello gemini');
    expect(client.currentBucket()).toBe('c');
    expect(client.handler.getLastFailoverReasons()).toEqual({
      a: 'quota-exhausted',
      b: 'quota-exhausted',
    });
    // a had its project stored: one generate call. b and c had none: load, onboard, generate.
    expect(requestsOf(emu, 'a').map((r) => r.status)).toEqual([429]);
    expect(requestsOf(emu, 'b').map((r) => r.status)).toEqual([200, 200, 429]);
    expect(requestsOf(emu, 'c').map((r) => r.status)).toEqual([200, 200, 200]);
    const generate = requestsOf(emu, 'c').at(-1)?.body as { project?: string; model?: string };
    expect(generate.project).toMatch(/^emulated-project-/);
    expect(generate.model).toBe('test-model');
    const cooling = await w.ledger.get(PROVIDER, 'b');
    expect(cooling?.reason).toBe('quota-exhausted');
    expect(cooling!.until).toBeGreaterThan(Date.now() + 3_500_000);
  });
});
