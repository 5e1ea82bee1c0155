// Rows: a baton process killed with SIGKILL in the middle of a refresh (holding the bucket's lock,
// its request at the server), of a store write (a 4 MiB token being written), and of a login
// (a device code pending). The survivors carry on: the lock is taken over, the stored token is
// whole and works, nothing is half-written or loosely permitted, no token leaks.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../src/commands/demo/local-stack.js';
import { PROVIDER, ask, startWorld, type World } from '../heart/world.js';
import { bundleFixture, type BundledFixture } from '../manager/bundle.js';
import { startManagerChildren, type ManagerChild } from '../manager/children.js';
import { cliSession, type CliSession } from './cli-session.js';
import { spawnBaton } from './source-cli.js';
import { expectNoLeak, expectTightPermissions, secretsOf } from './checks.js';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
  condition: () => boolean,
  what: () => string,
  limitMs = 20_000,
): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what()}`);
    await settle(10);
  }
}

let world: World | undefined;
let child: ManagerChild | undefined;
const bundles: BundledFixture[] = [];
afterEach(async () => {
  await child?.kill();
  child = undefined;
  await world?.close();
  world = undefined;
});
afterAll(async () => {
  for (const bundle of bundles) await bundle.remove();
});

describe('SIGKILL mid-operation', () => {
  it('during a refresh (lock held, request at the server)', async () => {
    world = await startWorld();
    await world.loginBucket('a');
    await world.expire('a');
    const before = (await world.store.get(PROVIDER, 'a'))!;
    const bundle = await bundleFixture('manager-child.ts');
    bundles.push(bundle);
    [child] = await startManagerChildren(bundle.file, 1, world.dir, world.config);
    // The refresh waits 1.5 s at the server: the child dies with the lock held and no answer.
    world.server.failNextRefreshes(1, { delayMs: 1_500 });
    world.server.resetCounters();
    child!.send({ id: 1, op: 'get', provider: PROVIDER, bucket: 'a' });
    await until(
      () => world!.server.counters.byGrantType.refresh_token === 1,
      () => 'the refresh',
    );
    await child!.kill();

    const started = Date.now();
    const token = await world.manager.getOAuthToken(PROVIDER, 'a');
    // The dead process's lock is taken over at once, not after the 10 s lock wait.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(token?.access_token).not.toBe(before.access_token);
    expect(await ask(world.client(['a']), 'after the kill')).toBe('after the kill');
    expectNoLeak([...world.log, ...child!.stderr], secretsOf(before, token));
    await expectTightPermissions(world.dir);
  });

  it('during a store write (4 MiB token, killed mid-stream)', async () => {
    world = await startWorld();
    await world.loginBucket('a');
    const good = (await world.store.get(PROVIDER, 'a'))!;
    const bundle = await bundleFixture('file-store-writer.ts');
    bundles.push(bundle);
    const tokensDir = path.join(world.dir, 'tokens');
    const writer = spawn(process.execPath, [bundle.file, tokensDir, PROVIDER, 'a'], {
      stdio: 'pipe',
    });
    let out = '';
    writer.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const gone = new Promise((resolve) => writer.once('exit', resolve));
    await until(
      () => out.includes('SAVED 2'),
      () => 'two saves',
    );
    await settle(Math.floor(Math.random() * 40));
    writer.kill('SIGKILL');
    await gone;

    // The entry is whole: one of the writer's saves, never a torn or empty file.
    const after = await world.store.get(PROVIDER, 'a');
    expect(after?.access_token).toMatch(/^new-\d+$/);
    // A later write by a survivor replaces it and leaves no temp file behind.
    await world.store.save(PROVIDER, 'a', good);
    expect(await readdir(tokensDir)).toEqual(['local~a.token']);
    expect(await ask(world.client(['a']), 'restored')).toBe('restored');
    expectNoLeak([out, ...world.log], secretsOf(good));
    await expectTightPermissions(world.dir);
  });
});

describe('SIGKILL during a login', () => {
  let stack: LocalStack;
  let s: CliSession | undefined;
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(async () => {
    await s?.h.cleanup();
    await stack?.close();
  });

  it('a device login killed while its code is pending', async () => {
    s = await cliSession(stack, ['a', 'b']);
    expect(await s.login('a')).toBe(0);
    const secrets = await s.secrets();
    const login = spawnBaton(['auth', 'login', 'local', '--bucket', 'b'], {
      ...process.env,
      ...s.h.env,
    });
    let err = '';
    login.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const gone = new Promise((resolve) => login.once('exit', resolve));
    await until(
      () => /enter the code:\n\s+\S+/.test(err),
      () => `the device code: ${err}`,
    );
    login.kill('SIGKILL');
    await gone;

    // Nothing half-written for b; a is untouched; a new login of b goes through at once.
    expect(await s.secrets()).toEqual(secrets);
    expect(await s.login('b')).toBe(0);
    const asked = await s.ask('after the killed login');
    expect(asked.code, asked.stderr).toBe(0);
    expectNoLeak([err, s.h.stdout(), s.h.stderr()], [...secrets, ...(await s.secrets())]);
    await expectTightPermissions(s.h.root);
  });
});
