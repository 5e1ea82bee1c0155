// A keychain that is locked, hanging or absent is an outage, never "no token": real gnome-keyring
// daemons on private buses, and child processes that use the store under them.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fixtureNodeArgs,
  KEYCHAIN_SKIP_NOTE,
  KEYCHAIN_TESTS_ENABLED,
  headlessEnv,
  runFixture,
  startPrivateKeyring,
  withTempDir,
} from '../../../test/keyring-bus.js';
import { KEYCHAIN_TIMEOUT_MS } from './keychain.js';

interface OpResult {
  ok: boolean;
  value?: unknown;
  backend?: string;
  reason?: string;
  error?: { name: string; code?: string; message: string };
  elapsedMs: number;
}

const TOKEN = { access_token: 'at-locked-test-0001', refresh_token: 'rt-1', expiry: 1_900_000_000 };
/** Scheduling slack on a loaded 2-core machine; elapsed times are measured inside the child. */
const SLACK_MS = 2_000;
/** Each case starts keyring daemons and child processes: generous on a busy machine. */
const CASE_TIMEOUT_MS = 120_000;

/** Runs operations in one child process; one result per operation. */
async function ops(env: NodeJS.ProcessEnv, list: unknown[][]): Promise<OpResult[]> {
  const result = await runFixture('store-op.ts', [JSON.stringify(list)], env);
  const lines = result.stdout.trim().split('\n').filter(Boolean);
  if (lines.length !== list.length)
    throw new Error(`store-op printed ${lines.length} lines: ${result.stderr}`);
  return lines.map((line) => JSON.parse(line) as OpResult);
}

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('no Secret Service', { timeout: CASE_TIMEOUT_MS }, () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P08
   * @requirement REQ-1598-ST06
   */
  it('gives UNAVAILABLE quickly for an unreachable bus, and auto picks the file store', async () => {
    await withTempDir('baton-nobus-', async (dataDir) => {
      const env = {
        ...headlessEnv(),
        BATON_DATA_DIR: dataDir,
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
      };
      const [forced] = await ops({ ...env, BATON_STORE: 'keychain' }, [
        ['get', 'anthropic', 'work'],
      ]);
      expect(forced!.ok).toBe(false);
      expect(forced!.error).toMatchObject({ name: 'TokenStoreError', code: 'UNAVAILABLE' });
      expect(forced!.error?.message).toContain('anthropic/work');
      expect(forced!.elapsedMs).toBeLessThan(KEYCHAIN_TIMEOUT_MS);

      const [saved, read] = await ops({ ...env, BATON_STORE: 'auto' }, [
        ['save', 'anthropic', 'work', TOKEN],
        ['get', 'anthropic', 'work'],
      ]);
      expect(saved).toMatchObject({ ok: true, backend: 'file' });
      expect(saved!.reason).toMatch(/UNAVAILABLE/);
      expect(read!.value).toMatchObject({ access_token: 'at-locked-test-0001' });
    });
  });

  it.skipIf(!hasCommand('dbus-run-session'))(
    'gives UNAVAILABLE on a session bus where nothing provides org.freedesktop.secrets',
    async () => {
      await withTempDir('baton-emptybus-', async (dir) => {
        const config = path.join(dir, 'bus.conf');
        await writeFile(
          config,
          `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:tmpdir=${dir}</listen>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>`,
        );
        // No <servicedir>: the bus cannot activate a keyring.
        const child = spawnSync(
          'dbus-run-session',
          [
            `--config-file=${config}`,
            '--',
            process.execPath,
            ...fixtureNodeArgs('store-op.ts', ['save', 'qwen', 'b1', JSON.stringify(TOKEN)]),
          ],
          {
            env: { ...headlessEnv(), BATON_DATA_DIR: dir, BATON_STORE: 'keychain' },
            encoding: 'utf8',
            timeout: 60_000,
          },
        );
        const out = JSON.parse(child.stdout.trim().split('\n').pop()!) as OpResult;
        expect(out.error).toMatchObject({ code: 'UNAVAILABLE' });
        expect(out.error?.message).toMatch(/not provided by any \.service files/);
      });
    },
  );
});

describe.skipIf(!KEYCHAIN_TESTS_ENABLED)(
  KEYCHAIN_TESTS_ENABLED ? 'locked or hanging keychain (real gnome-keyring)' : KEYCHAIN_SKIP_NOTE,
  { timeout: CASE_TIMEOUT_MS },
  () => {
    /**
     * @plan PLAN-20260223-ISSUE1598.P08
     * @requirement REQ-1598-ST08, REQ-1598-ST10
     */
    it('a locked keyring gives LOCKED on get and save, never null; auto keeps it and says why', async () => {
      await withTempDir('baton-locked-', async (home) => {
        const dataDir = path.join(home, 'data');
        // First session: create the login keyring (unlocked) and store a token.
        const unlocked = await startPrivateKeyring(home, true);
        try {
          const env = {
            ...headlessEnv(),
            BATON_DATA_DIR: dataDir,
            BATON_STORE: 'keychain',
            DBUS_SESSION_BUS_ADDRESS: unlocked.address,
          };
          const [saved, read] = await ops(env, [
            ['save', 'anthropic', 'work', TOKEN],
            ['get', 'anthropic', 'work'],
          ]);
          expect(saved).toMatchObject({ ok: true, backend: 'keychain' });
          expect(read!.value).toMatchObject({ access_token: 'at-locked-test-0001' });
        } finally {
          await unlocked.stop();
        }
        // Second session: same keyring file, daemon started without unlocking it; no display for a prompt.
        const locked = await startPrivateKeyring(home, false);
        try {
          const env = {
            ...headlessEnv(),
            BATON_DATA_DIR: dataDir,
            BATON_STORE: 'keychain',
            DBUS_SESSION_BUS_ADDRESS: locked.address,
          };
          const [got, saved, listed] = await ops(env, [
            ['get', 'anthropic', 'work'],
            ['save', 'anthropic', 'other', TOKEN],
            ['list', 'anthropic'],
          ]);
          expect(got!.ok).toBe(false);
          expect(got!.error).toMatchObject({ name: 'TokenStoreError', code: 'LOCKED' });
          expect(got!.error?.message).not.toContain('at-locked-test-0001');
          expect(saved!.error).toMatchObject({ code: 'LOCKED' });
          expect(listed!.error).toMatchObject({ code: 'LOCKED' });

          // auto keeps the locked keychain (its tokens are there) and reports the lock on reads,
          // instead of falling back to files that would make the user look logged out.
          const [auto, autoGet] = await ops({ ...env, BATON_STORE: 'auto' }, [
            ['describe'],
            ['get', 'anthropic', 'work'],
          ]);
          expect(auto).toMatchObject({ ok: true, backend: 'keychain' });
          expect(auto!.reason).toMatch(/LOCKED/);
          expect(autoGet!.error).toMatchObject({ code: 'LOCKED' });
        } finally {
          await locked.stop();
        }
      });
    });

    /**
     * @plan PLAN-20260223-ISSUE1598.P08
     * @plan PLAN-20260223-ISSUE1598.P17
     * @requirement REQ-1598-ST06, REQ-1598-CLI05
     */
    it('a stopped keyring daemon: get, save and list give TIMEOUT and the process exits by itself within the limit + 1 s', async () => {
      await withTempDir('baton-hang-', async (home) => {
        const keyring = await startPrivateKeyring(home, true);
        try {
          process.kill(keyring.daemonPid, 'SIGSTOP'); // the daemon stops answering, the bus stays up
          const env = {
            ...headlessEnv(),
            BATON_DATA_DIR: path.join(home, 'data'),
            BATON_STORE: 'keychain',
            DBUS_SESSION_BUS_ADDRESS: keyring.address,
          };
          const ops: unknown[][] = [
            ['get', 'anthropic', 'work'],
            ['save', 'anthropic', 'work', TOKEN],
            ['list', 'anthropic'],
          ];
          // One child per call, all at once: each must end on its own (no process.exit in it).
          const results = await Promise.all(
            ops.map(async (op) => {
              const child = await runFixture('store-op.ts', [JSON.stringify([op])], env, 60_000);
              const exitedAt = Number(/EXIT (\d+)/.exec(child.stderr)?.[1]);
              return {
                child,
                exitedAt,
                out: JSON.parse(child.stdout.trim()) as OpResult & { startedAt: number },
              };
            }),
          );
          for (const { child, exitedAt, out } of results) {
            expect(child.signal).toBeNull(); // not killed by runFixture's safety timer
            expect(out.error).toMatchObject({ name: 'TokenStoreError', code: 'TIMEOUT' });
            expect(out.elapsedMs).toBeLessThan(KEYCHAIN_TIMEOUT_MS + SLACK_MS);
            // From the start of the call until the process leaves by itself: the limit plus 1 s
            // (the binding's own D-Bus timeout may answer first, which is sooner).
            expect(exitedAt - out.startedAt).toBeLessThanOrEqual(KEYCHAIN_TIMEOUT_MS + 1_000);
            console.log(
              `hung keychain: call ended after ${out.elapsedMs} ms, process left ${exitedAt - out.startedAt} ms after the call began`,
            );
          }
        } finally {
          process.kill(keyring.daemonPid, 'SIGCONT');
          await keyring.stop();
        }
      });
    });

    /**
     * @plan PLAN-20260223-ISSUE1598.P08
     * @requirement REQ-1598-ST08
     */
    it('sticky: the keychain auto chose, then hung, is reported unreachable; get throws, nothing goes to files', async () => {
      await withTempDir('baton-sticky-', async (home) => {
        const dataDir = path.join(home, 'data');
        const keyring = await startPrivateKeyring(home, true);
        try {
          const env = {
            ...headlessEnv(),
            BATON_DATA_DIR: dataDir,
            BATON_STORE: 'auto',
            DBUS_SESSION_BUS_ADDRESS: keyring.address,
          };
          const [saved] = await ops(env, [['save', 'anthropic', 'work', TOKEN]]);
          expect(saved).toMatchObject({ ok: true, backend: 'keychain', decidedBy: 'decided' });
          process.kill(keyring.daemonPid, 'SIGSTOP');
          const [status, got, save] = await ops(env, [
            ['describe'],
            ['get', 'anthropic', 'work'],
            ['save', 'anthropic', 'other', TOKEN],
          ]);
          expect(status).toMatchObject({
            ok: true,
            backend: 'keychain',
            decidedBy: 'record',
            reachable: false,
          });
          expect(status!.reason).toMatch(/the keychain is unreachable/);
          expect(got!.ok).toBe(false);
          expect(got!.error?.code).toBe('TIMEOUT');
          expect(save!.error?.code).toBe('TIMEOUT');
          expect(await readdir(dataDir)).toEqual(['store-backend.json']);
          process.kill(keyring.daemonPid, 'SIGCONT');
          const [back] = await ops(env, [['get', 'anthropic', 'work']]);
          expect(back!.value).toMatchObject({ access_token: 'at-locked-test-0001' });
        } finally {
          process.kill(keyring.daemonPid, 'SIGCONT');
          await keyring.stop();
        }
      });
    });
  },
);
