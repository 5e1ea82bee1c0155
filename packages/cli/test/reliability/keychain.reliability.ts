// Rows: the keychain store fails under `baton ask` (no Secret Service on the bus, a locked keyring,
// a keyring daemon that stopped answering), with real gnome-keyring daemons on private buses. baton
// says what is wrong within its time limit and exits; once the keychain is back, the same token
// answers. Run under scripts/with-keyring.sh; elsewhere the rows skip with a printed note.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthToken } from '@baton/core';
import { startLocalStack, type LocalStack } from '../../src/commands/demo/local-stack.js';
import { saveCustomProvider } from '../../src/config/provider-registry.js';
import { saveProfile } from '../../src/config/profile.js';
import { resolvePaths } from '../../src/paths.js';
import { KEYCHAIN_TIMEOUT_MS } from '../../src/auth/storage/keychain.js';
import {
  KEYCHAIN_SKIP_NOTE,
  KEYCHAIN_TESTS_ENABLED,
  headlessEnv,
  runFixture,
  startPrivateKeyring,
  type PrivateKeyring,
} from '../keyring-bus.js';
import { expectNoLeak, expectTightPermissions, secretsOf } from './checks.js';
import { runBaton, type CliRun } from './source-cli.js';

/** Child start-up (tsx) plus the keychain's own limit, with room for a busy 2-core machine. */
const FAULT_LIMIT_MS = KEYCHAIN_TIMEOUT_MS + 12_000;

let stack: LocalStack;
let home: string | undefined;
let keyring: PrivateKeyring | undefined;
let stopped: number | undefined;
if (!KEYCHAIN_TESTS_ENABLED) console.log(`keychain reliability rows: ${KEYCHAIN_SKIP_NOTE}`);

beforeAll(async () => {
  if (KEYCHAIN_TESTS_ENABLED) stack = await startLocalStack();
});
afterAll(async () => stack?.close());
afterEach(async () => {
  if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
  stopped = undefined;
  await keyring?.stop();
  keyring = undefined;
  if (home) await rm(home, { recursive: true, force: true });
  home = undefined;
});

async function storedToken(env: NodeJS.ProcessEnv): Promise<OAuthToken | null> {
  const child = await runFixture('store-op.ts', [JSON.stringify([['get', 'local', 'a']])], env);
  const out = JSON.parse(child.stdout.trim()) as { ok: boolean; value?: OAuthToken };
  expect(out.ok, child.stdout).toBe(true);
  return out.value ?? null;
}

interface KeychainRow {
  name: string;
  /** Breaks the keychain; returns the environment baton then runs in. */
  fault: (env: NodeJS.ProcessEnv) => Promise<NodeJS.ProcessEnv>;
  /** Mends it; returns the environment for the run after. */
  heal: (env: NodeJS.ProcessEnv) => Promise<NodeJS.ProcessEnv>;
  error: RegExp;
}

const rows: KeychainRow[] = [
  {
    name: 'keychain unavailable (no Secret Service on the bus)',
    fault: (env) =>
      Promise.resolve({ ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }),
    heal: (env) => Promise.resolve(env),
    error: /OS keychain cannot be reached: start a Secret Service/,
  },
  {
    name: 'keychain locked',
    fault: async (env) => {
      await keyring!.stop();
      keyring = await startPrivateKeyring(home!, false);
      return { ...env, DBUS_SESSION_BUS_ADDRESS: keyring.address };
    },
    heal: async (env) => {
      await keyring!.stop();
      keyring = await startPrivateKeyring(home!, true);
      return { ...env, DBUS_SESSION_BUS_ADDRESS: keyring.address };
    },
    error: /keychain is locked: unlock it/,
  },
  {
    name: 'keychain hung (daemon stopped with SIGSTOP)',
    fault: (env) => {
      stopped = keyring!.daemonPid;
      process.kill(stopped, 'SIGSTOP');
      return Promise.resolve(env);
    },
    heal: (env) => {
      process.kill(stopped!, 'SIGCONT');
      stopped = undefined;
      return Promise.resolve(env);
    },
    error: /keychain did not answer in time/,
  },
];

describe.skipIf(!KEYCHAIN_TESTS_ENABLED)(
  'keychain faults under baton ask',
  { timeout: 180_000 },
  () => {
    it.each(rows)('$name', async (row) => {
      home = await mkdtemp(path.join(tmpdir(), 'baton-rel-keychain-'));
      keyring = await startPrivateKeyring(home, true);
      const env: NodeJS.ProcessEnv = {
        ...headlessEnv(),
        HOME: home,
        BATON_CONFIG_DIR: path.join(home, 'config'),
        BATON_DATA_DIR: path.join(home, 'data'),
        BATON_STORE: 'keychain',
        DBUS_SESSION_BUS_ADDRESS: keyring.address,
        NO_COLOR: '1',
      };
      const paths = resolvePaths(env);
      await saveCustomProvider(paths, stack.provider('local'));
      await saveProfile(paths, { name: 'work', provider: 'local', model: 'm', buckets: ['a'] });
      const login = await runBaton(['auth', 'login', 'local', '--bucket', 'a'], env, {
        server: stack.server,
        account: 'acct-a',
      });
      expect(login.code, login.stderr).toBe(0);
      const before = await storedToken(env);
      expect(before).not.toBeNull();

      const faulty = await row.fault(env);
      const runs: CliRun[] = [await runBaton(['ask', 'during the fault'], faulty)];
      expect(runs[0]!.code).not.toBe(0);
      expect(runs[0]!.stdout).toBe('');
      expect(runs[0]!.stderr).toMatch(row.error);
      expect(runs[0]!.elapsedMs).toBeLessThan(FAULT_LIMIT_MS);

      const healed = await row.heal(env);
      runs.push(await runBaton(['ask', 'after the fault'], healed));
      expect(runs[1]!.code, runs[1]!.stderr).toBe(0);
      expect(runs[1]!.stdout).toBe('after the fault\n');
      expect((await storedToken(healed))?.refresh_token).toBe(before!.refresh_token);

      expectNoLeak(
        [login, ...runs].flatMap((r) => [r.stdout, r.stderr]),
        secretsOf(before),
      );
      await expectTightPermissions(env.BATON_DATA_DIR!);
      await expectTightPermissions(env.BATON_CONFIG_DIR!);
    });
  },
);
