// The Code Assist project kept with the bucket, end to end with real parts: the emulator onboards an
// account, the manager stores the project in the bucket's token (the real encrypted file), and a
// fresh process on the same store skips loadCodeAssist and onboarding, through refreshes too.
import { rename, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CODE_ASSIST_PROJECT_FIELD, tokenKey, type OAuthToken } from '@baton/core';
import { startProviderEmulator, type ProviderEmulatorHandle } from '@baton/testkit';
import { refreshToken, resolveProvider, type ProviderConfig } from '../../src/auth/flows/index.js';
import { OAuthManager, type OAuthManagerOptions } from '../../src/auth/oauth-manager.js';
import { CooldownLedger } from '../../src/auth/storage/cooldown-ledger.js';
import { EncryptedFileTokenStore } from '../../src/auth/storage/encrypted-file-token-store.js';
import { FileLock } from '../../src/auth/storage/file-lock.js';
import {
  createResilientClient,
  type ResilientClient,
} from '../../src/auth/create-resilient-client.js';
import { accountOf, ask, FAST_RETRY, PROVIDER, startWorld, type World } from './world.js';

interface SetupCall {
  method: string;
  account: string;
}

let world: World | undefined;
let emulator: ProviderEmulatorHandle | undefined;
const managers: OAuthManager[] = [];
afterEach(async () => {
  for (const manager of managers.splice(0)) manager.dispose();
  await emulator?.close();
  await world?.close();
  emulator = world = undefined;
});

/** The heart's world with a Code Assist emulator that reports every setup call it answers. */
async function setup() {
  const w = (world = await startWorld());
  const calls: SetupCall[] = [];
  const emu = (emulator = await startProviderEmulator({
    introspection: { endpoint: w.server.introspectionEndpoint, ...w.server.introspectionClient },
    codeAssist: { onboardAtOnce: true, onSetupCall: (call) => calls.push(call) },
  }));
  const config: ProviderConfig = {
    ...w.config,
    api: 'code-assist',
    baseUrl: `${emu.url}/v1internal`,
  };
  await w.loginBucket('a');
  return { w, emu, calls, config, client: () => w.client(['a'], { providerConfig: config }) };
}

/** Setup calls of one account by method, e.g. `{ loadCodeAssist: 1, onboardUser: 1 }`. */
function countOf(calls: readonly SetupCall[], bucket: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls)
    if (call.account === accountOf(bucket)) counts[call.method] = (counts[call.method] ?? 0) + 1;
  return counts;
}

/** The project the last generate call of the bucket's account named. */
function lastProject(emu: ProviderEmulatorHandle, bucket: string): string | undefined {
  const generate = emu.requests.filter((r) => r.account === accountOf(bucket) && r.body).at(-1);
  return (generate?.body as { project?: string } | undefined)?.project;
}

/** What another process on the same data dir sees: its own store, ledger, manager and client. */
function anotherProcess(
  w: World,
  config: ProviderConfig,
  options: Partial<OAuthManagerOptions> = {},
): ResilientClient {
  const store = new EncryptedFileTokenStore({ dir: path.join(w.dir, 'tokens') });
  const locksDir = path.join(w.dir, 'locks');
  const ledger = new CooldownLedger({ file: path.join(w.dir, 'cooldowns.json'), locksDir });
  const manager = new OAuthManager({
    store,
    locksDir,
    ledger,
    providers: () => config,
    renewal: false,
    log: (line) => w.log.push(line),
    ...options,
  });
  managers.push(manager);
  return createResilientClient(
    { name: 'other', provider: PROVIDER, model: 'test-model', buckets: ['a'] },
    { manager, ledger, providerConfig: config, interactive: false, retry: FAST_RETRY },
  );
}

/** The bucket's token as a fresh store instance reads it from the encrypted file. */
const readFile = (w: World): Promise<OAuthToken | null> =>
  new EncryptedFileTokenStore({ dir: path.join(w.dir, 'tokens') }).get(PROVIDER, 'a');

/**
 * Holds bucket a's lock (as another process in the middle of a refresh would) from before the
 * request until the account's onboarding was answered, and runs `meanwhile` while holding it: the
 * request finds its project, then waits for the lock before it may store it.
 */
async function duringOnboarding(
  w: World,
  emu: ProviderEmulatorHandle,
  calls: readonly SetupCall[],
  request: () => Promise<string>,
  meanwhile: (answer: Promise<string>) => Promise<void>,
): Promise<string> {
  const lock = new FileLock({ dir: path.join(w.dir, 'locks') });
  let answer: Promise<string> | undefined;
  await lock.withLock(tokenKey(PROVIDER, 'a'), async () => {
    answer = request();
    // Settled here too, so a failed request cannot be an unhandled rejection while we wait.
    answer.catch(() => undefined);
    await emu.waitUntil(() => countOf(calls, 'a').onboardUser === 1);
    await meanwhile(answer);
  });
  return answer!;
}

/** Long enough that a busy machine does not turn a short lock hold into a give-up. */
const PATIENT = { tokenFieldLockWaitMs: 30_000 };

describe('gemini: the Code Assist project is stored with the bucket', () => {
  it('onboarded once → the project is in the stored file → another process makes no setup call', async () => {
    const { w, emu, calls, config, client } = await setup();
    const before = await readFile(w);
    expect(before?.[CODE_ASSIST_PROJECT_FIELD]).toBeUndefined();

    await expect(ask(client(), 'first')).resolves.toBe('first');
    expect(countOf(calls, 'a')).toEqual({ loadCodeAssist: 1, onboardUser: 1 });
    const project = lastProject(emu, 'a');
    expect(project).toMatch(/^emulated-project-/);
    const stored = await readFile(w);
    expect(stored?.[CODE_ASSIST_PROJECT_FIELD]).toBe(project);
    // Only the field was added: the credential is the one the request used.
    expect(stored).toEqual({ ...before, [CODE_ASSIST_PROJECT_FIELD]: project });

    calls.length = 0;
    await expect(ask(anotherProcess(w, config), 'second')).resolves.toBe('second');
    expect(countOf(calls, 'a')).toEqual({});
    expect(lastProject(emu, 'a')).toBe(project);
    expect(emu.requests.filter((r) => r.account === accountOf('a')).map((r) => r.status)).toEqual([
      200, 200, 200, 200,
    ]);
  });

  it('the project survives a refresh: the renewed token keeps it and no setup call follows', async () => {
    const { w, emu, calls, config, client } = await setup();
    await ask(client(), 'find the project');
    const project = (await readFile(w))?.[CODE_ASSIST_PROJECT_FIELD];
    expect(project).toMatch(/^emulated-project-/);
    const before = await readFile(w);
    await w.expire('a');

    calls.length = 0;
    await expect(ask(anotherProcess(w, config), 'after expiry')).resolves.toBe('after expiry');
    const renewed = await readFile(w);
    expect(renewed?.access_token).not.toBe(before?.access_token);
    expect(renewed?.refresh_token).not.toBe(before?.refresh_token);
    expect(renewed?.[CODE_ASSIST_PROJECT_FIELD]).toBe(project);
    expect(countOf(calls, 'a')).toEqual({});
    expect(lastProject(emu, 'a')).toBe(project);
  });

  it('a project found while another process rotated the token never overwrites the newer token', async () => {
    const { w, emu, calls, config } = await setup();
    const used = await readFile(w);
    let rotated: OAuthToken | undefined;
    const answer = await duringOnboarding(
      w,
      emu,
      calls,
      () => ask(anotherProcess(w, config, PATIENT), 'racing a refresh'),
      async () => {
        // The other process's refresh transaction, under the lock it holds: refresh and save.
        const current = (await w.store.get(PROVIDER, 'a'))!;
        rotated = await refreshToken(await resolveProvider(config), current);
        await w.store.save(PROVIDER, 'a', rotated);
      },
    );
    expect(answer).toBe('racing a refresh');
    expect(rotated?.refresh_token).not.toBe(used?.refresh_token);
    // The rotated token is intact and was not given the project found with the old one.
    expect(await readFile(w)).toEqual(rotated);
    expect(w.log.some((line) => line.includes('the token changed meanwhile'))).toBe(true);

    // The next request finds the project for the new token (no onboarding now) and stores it.
    calls.length = 0;
    await expect(ask(anotherProcess(w, config), 'next')).resolves.toBe('next');
    expect(countOf(calls, 'a')).toEqual({ loadCodeAssist: 1 });
    expect(await readFile(w)).toEqual({
      ...rotated,
      [CODE_ASSIST_PROJECT_FIELD]: lastProject(emu, 'a'),
    });
  });

  it('a project found while the access token was renewed on the same grant is stored on the new one', async () => {
    const { w, emu, calls, config } = await setup();
    let renewed: OAuthToken | undefined;
    await duringOnboarding(
      w,
      emu,
      calls,
      () => ask(anotherProcess(w, config, PATIENT), 'same grant'),
      async () => {
        // A server without refresh-token rotation (Google's): a new access token, the same grant.
        const current = (await w.store.get(PROVIDER, 'a'))!;
        const refreshed = await refreshToken(await resolveProvider(config), current);
        renewed = { ...refreshed, refresh_token: current.refresh_token! };
        await w.store.save(PROVIDER, 'a', renewed);
      },
    );
    expect(await readFile(w)).toEqual({
      ...renewed,
      [CODE_ASSIST_PROJECT_FIELD]: lastProject(emu, 'a'),
    });
  });

  it('only provider fields: a standard field of the token is refused, the token untouched', async () => {
    const { w } = await setup();
    const token = (await readFile(w))!;
    for (const field of ['access_token', 'refresh_token', 'expiry', 'kind'])
      await expect(
        w.manager.rememberTokenField(PROVIDER, 'a', token, field, 'x'),
      ).rejects.toBeInstanceOf(RangeError);
    expect(await readFile(w)).toEqual(token);
  });

  it('a store that fails while the project is being stored is logged; the request is served', async () => {
    const { w, emu, calls, config } = await setup();
    const tokens = path.join(w.dir, 'tokens');
    const answer = await duringOnboarding(
      w,
      emu,
      calls,
      () => ask(anotherProcess(w, config, PATIENT), 'store breaks'),
      async () => {
        // A token directory that is a symbolic link is an outage the store refuses to follow.
        await rename(tokens, `${tokens}-moved`);
        await symlink(`${tokens}-moved`, tokens);
      },
    );
    expect(answer).toBe('store breaks');
    expect(
      w.log.some((line) => line.includes(`could not update ${CODE_ASSIST_PROJECT_FIELD}`)),
    ).toBe(true);
  });

  it('a lock held past the short wait leaves the project unstored and the request goes on', async () => {
    const { w, emu, calls, config } = await setup();
    const before = await readFile(w);
    const hurried = anotherProcess(w, config, { tokenFieldLockWaitMs: 50 });
    await duringOnboarding(
      w,
      emu,
      calls,
      () => ask(hurried, 'lock busy'),
      // Another process's login holds the lock: the request is served while it still does.
      async (answer) => expect(await answer).toBe('lock busy'),
    );
    expect(await readFile(w)).toEqual(before);
    expect(
      w.log.some((line) => line.includes(`could not update ${CODE_ASSIST_PROJECT_FIELD}`)),
    ).toBe(true);
  });

  it('a stored project the service refuses is dropped; the retry looks the project up and stores it', async () => {
    const { w, emu, calls, client } = await setup();
    const token = (await readFile(w))!;
    await w.store.save(PROVIDER, 'a', { ...token, [CODE_ASSIST_PROJECT_FIELD]: 'gone-project' });

    await expect(ask(client(), 'stale project')).resolves.toBe('stale project');
    // 403 on the stale project, then the refreshed token without it: load, onboard, generate.
    expect(emu.requests.filter((r) => r.account === accountOf('a')).map((r) => r.status)).toEqual([
      403, 200, 200, 200,
    ]);
    expect(countOf(calls, 'a')).toEqual({ loadCodeAssist: 1, onboardUser: 1 });
    const project = lastProject(emu, 'a');
    expect(project).toMatch(/^emulated-project-/);
    expect((await readFile(w))?.[CODE_ASSIST_PROJECT_FIELD]).toBe(project);
  });

  it('logout removes the project with the token; the next login starts without one', async () => {
    const { w, client } = await setup();
    await ask(client(), 'find the project');
    expect((await readFile(w))?.[CODE_ASSIST_PROJECT_FIELD]).toMatch(/^emulated-project-/);
    await w.manager.logout(PROVIDER, 'a');
    expect(await readFile(w)).toBeNull();
    await w.loginBucket('a');
    expect((await readFile(w))?.[CODE_ASSIST_PROJECT_FIELD]).toBeUndefined();
  });
});
