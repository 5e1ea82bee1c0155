// A locked keychain is an outage the user must act on, not "logged out": `auth status` and
// `doctor` name the lock and how to unlock it (a real gnome-keyring on a private bus, left locked).
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  headlessEnv,
  startPrivateKeyring,
  withTempDir,
  type PrivateKeyring,
} from '../keyring-bus.js';
import { batonHome, type BatonHome } from './baton-process.js';

const HAS_KEYRING =
  spawnSync('sh', ['-c', 'command -v gnome-keyring-daemon && command -v dbus-run-session'])
    .status === 0;

let keyring: PrivateKeyring | undefined;
let home: BatonHome;
let keyringHome: string;
let release: () => void = () => undefined;

beforeAll(async () => {
  if (!HAS_KEYRING) return;
  // The keyring's files must outlive beforeAll: keep the temp dir until afterAll releases it.
  await new Promise<void>((ready) => {
    void withTempDir('baton-locked-', async (dir) => {
      keyringHome = dir;
      keyring = await startPrivateKeyring(dir, false);
      ready();
      await new Promise<void>((resolve) => (release = resolve));
    });
  });
  const base = headlessEnv();
  home = await batonHome({
    BATON_STORE: 'keychain',
    DBUS_SESSION_BUS_ADDRESS: keyring!.address,
    XDG_DATA_HOME: keyringHome,
    ...(base.XDG_RUNTIME_DIR ? { XDG_RUNTIME_DIR: base.XDG_RUNTIME_DIR } : {}),
  });
}, 60_000);

afterAll(async () => {
  await keyring?.stop();
  release();
  await home?.cleanup();
});

describe.skipIf(!HAS_KEYRING)('a locked keychain', { timeout: 60_000 }, () => {
  it('auth status and doctor report the lock with the fix, and exit 1', async () => {
    const status = await home.run(['auth', 'status']);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/LOCKED|locked/);
    expect(status.stderr).toContain('unlock');
    expect(status.stderr).not.toContain('no buckets are logged in');

    const doctor = await home.run(['doctor', '--json', '--no-clock-check']);
    expect(doctor.code).toBe(1);
    const report = JSON.parse(doctor.stdout) as {
      checks: { name: string; status: string; detail: string; fix?: string }[];
    };
    const keychain = report.checks.find((c) => c.name === 'keychain');
    expect(keychain?.status).toBe('fail');
    expect(keychain?.detail).toContain('LOCKED');
    expect(keychain?.fix).toContain('unlock');
  });
});
