import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EncryptedFileTokenStore } from '../../src/auth/storage/index.js';
import { runAuthLogin } from '../../src/commands/auth/login.js';
import { runAuthLogout } from '../../src/commands/auth/logout.js';
import { runMigrateStore } from '../../src/commands/auth/migrate-store.js';
import { runAuthRefresh } from '../../src/commands/auth/refresh.js';
import { runAuthStatus } from '../../src/commands/auth/status.js';
import { runAuthSwitch } from '../../src/commands/auth/switch.js';
import { runAsk } from '../../src/commands/ask/ask.js';
import { startLocalStack, type LocalStack } from '../../src/commands/demo/local-stack.js';
import { saveCustomProvider } from '../../src/config/provider-registry.js';
import { saveProfile } from '../../src/config/profile.js';
import { readSettings } from '../../src/config/settings.js';
import { harness, type Captured, type HarnessOptions } from './harness.js';

let stack: LocalStack;
let h: Captured;
beforeAll(async () => {
  stack = await startLocalStack();
});
afterAll(async () => stack?.close());
afterEach(async () => {
  await h?.cleanup();
  h = undefined as unknown as Captured;
});

async function setup(options: HarnessOptions = {}): Promise<Captured> {
  h = await harness(options);
  await saveCustomProvider(h.factory.paths, stack.provider('local'));
  await saveProfile(h.factory.paths, {
    name: 'work',
    provider: 'local',
    model: 'm',
    buckets: ['a', 'b'],
  });
  return h;
}

/** `auth login` through the device flow, approving the code as soon as it is printed. */
async function login(bucket: string, account = `acct-${bucket}`): Promise<number> {
  let approved = false;
  h.watchStderr((all) => {
    const code = /enter the code:\n\s+(\S+)/g.exec(
      all.slice(all.lastIndexOf(`sign in local/${bucket}`)),
    )?.[1];
    if (code && !approved) {
      approved = true;
      void stack.server.approveDeviceCode(code, { account });
    }
  });
  return h.run((factory) => runAuthLogin({ factory, provider: 'local', bucket, intervalMs: 50 }));
}

interface StatusJson {
  store: { backend: string };
  buckets: {
    bucket: string;
    authenticated: boolean;
    kind?: string;
    preferred: boolean;
    error?: { code: string };
  }[];
}
async function statusJson(): Promise<StatusJson> {
  const before = h.stdout().length;
  await h.run((factory) => runAuthStatus({ factory, json: true }));
  return JSON.parse(h.stdout().slice(before)) as StatusJson;
}

describe('baton auth login / status / logout', () => {
  it('logs a bucket in, shows it in status, refreshes it, and logs it out', async () => {
    await setup();
    expect(await login('a')).toBe(0);
    expect(h.stderr()).toContain('✓ Approved: local/a');
    const status = await statusJson();
    expect(status.store.backend).toBe('file');
    expect(status.buckets.map((b) => [b.bucket, b.authenticated])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(
      await h.run((factory) => runAuthRefresh({ factory, provider: 'local', bucket: 'a' })),
    ).toBe(0);
    expect(h.stderr()).toMatch(/✓ refreshed local\/a, valid until \d\d:\d\d/);
    expect(
      await h.run((factory) => runAuthLogout({ factory, provider: 'local', bucket: 'a' })),
    ).toBe(0);
    expect(h.stderr()).toContain('✓ logged out local/a (revoked at the provider)');
    expect((await statusJson()).buckets.every((b) => !b.authenticated)).toBe(true);
  });

  it('stores an API key from stdin, never echoes it, and refuses to refresh it', async () => {
    await setup();
    h.stdin('sk-auth-test-key-123456\n');
    expect(
      await h.run((factory) =>
        runAuthLogin({ factory, provider: 'local', bucket: 'b', apiKey: true }),
      ),
    ).toBe(0);
    expect(h.stderr()).toContain('✓ stored an API key for local/b');
    const status = await statusJson();
    expect(status.buckets.find((b) => b.bucket === 'b')?.kind).toBe('api-key');
    expect(h.stdout() + h.stderr()).not.toContain('sk-auth-test-key-123456');
    expect(
      await h.run((factory) => runAuthRefresh({ factory, provider: 'local', bucket: 'b' })),
    ).toBe(1);
    expect(h.stderr()).toContain('holds an API key, which never needs a refresh');
  });

  it.each([
    ['an unknown provider', 'nosuch', 'a', 1, 'unknown provider "nosuch"'],
    ['a retired provider', 'qwen', 'a', 1, 'discontinued'],
    ['a path-like bucket', 'local', '../../etc', 2, 'invalid bucket name "../../etc"'],
    ['a reserved bucket', 'local', 'Status', 2, '"Status" is reserved'],
    ['a path-like provider', '../x', 'a', 2, 'invalid provider name "../x"'],
  ])(
    'login with %s fails before any flow starts',
    async (_what, provider, bucket, code, message) => {
      await setup();
      expect(await h.run((factory) => runAuthLogin({ factory, provider, bucket }))).toBe(code);
      expect(h.stderr()).toContain(message);
      expect(h.stderr()).not.toContain('enter the code');
    },
  );

  it('the retired preset still takes an API key', async () => {
    await setup();
    h.stdin('dashscope-key-0000001');
    expect(
      await h.run((factory) =>
        runAuthLogin({ factory, provider: 'qwen', bucket: 'q', apiKey: true }),
      ),
    ).toBe(0);
  });

  it('logout refuses --bucket with --all; logging out nothing says so', async () => {
    await setup();
    expect(
      await h.run((factory) =>
        runAuthLogout({ factory, provider: 'local', bucket: 'a', all: true }),
      ),
    ).toBe(2);
    expect(h.stderr()).toContain('give either --bucket or --all, not both');
    expect(await h.run((factory) => runAuthLogout({ factory, provider: 'local', all: true }))).toBe(
      0,
    );
    expect(h.stderr()).toContain('nothing was stored for local');
  });

  it('switch needs a logged-in bucket and then records it', async () => {
    await setup();
    expect(
      await h.run((factory) => runAuthSwitch({ factory, provider: 'local', bucket: 'b' })),
    ).toBe(1);
    expect(h.stderr()).toContain('local/b is not logged in');
    h.stdin('sk-switch-0000000001');
    await h.run((factory) =>
      runAuthLogin({ factory, provider: 'local', bucket: 'b', apiKey: true }),
    );
    expect(
      await h.run((factory) => runAuthSwitch({ factory, provider: 'local', bucket: 'b' })),
    ).toBe(0);
    expect((await readSettings(h.factory.paths)).preferredBuckets).toEqual({ local: 'b' });
    expect((await statusJson()).buckets.find((b) => b.bucket === 'b')?.preferred).toBe(true);
  });

  it('status reports a key mismatch per bucket with its fix, and exits 0 (the store itself is readable)', async () => {
    await setup({ env: { BATON_STORE_PASSPHRASE: 'the new passphrase' } });
    const old = new EncryptedFileTokenStore({
      dir: h.factory.paths.tokensDir,
      passphrase: 'the old passphrase',
    });
    await old.save('local', 'a', {
      access_token: 'at-mismatch-000001',
      token_type: 'Bearer',
      expiry: 2_000_000_000,
    });
    const status = await statusJson();
    expect(status.buckets.find((b) => b.bucket === 'a')?.error?.code).toBe('KEY_MISMATCH');
    await h.run((factory) => runAuthStatus({ factory }));
    expect(h.stderr()).toMatch(/local\s+a\s+-\s+error: KEY_MISMATCH/);
    expect(h.stdout() + h.stderr()).not.toContain('at-mismatch-000001');
  });
});

describe('baton auth migrate-store', () => {
  it('keeps every token where it was when the keychain cannot take them', async () => {
    await setup({ env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' } });
    h.stdin('sk-migrate-000000001');
    await h.run((factory) =>
      runAuthLogin({ factory, provider: 'local', bucket: 'a', apiKey: true }),
    );
    expect(await h.run((factory) => runMigrateStore({ factory, to: 'keychain' }))).toBe(1);
    expect(h.stderr()).toMatch(/✗ local\/a: \w+ failed/);
    expect(h.stderr()).toContain('1 bucket(s) could not be moved; nothing was removed from file');
    expect((await statusJson()).buckets.find((b) => b.bucket === 'a')?.kind).toBe('api-key');
  });

  it('rejects an unknown backend with exit 2', async () => {
    await setup();
    expect(await h.run((factory) => runMigrateStore({ factory, to: 'floppy' }))).toBe(2);
    expect(h.stderr()).toContain('--to must be file or keychain');
  });
});

describe('baton ask', () => {
  it('answers on stdout from stdin, with nothing else on stdout', async () => {
    await setup();
    expect(await login('a')).toBe(0);
    h.stdin('a question from stdin\n');
    const before = h.stdout().length;
    expect(await h.run((factory) => runAsk({ factory }))).toBe(0);
    expect(h.stdout().slice(before)).toBe('a question from stdin\n');
  });

  it('exits 1 with every bucket named when none is logged in (not interactive: no login prompt)', async () => {
    await setup();
    expect(await h.run((factory) => runAsk({ factory, prompt: 'hi' }))).toBe(1);
    expect(h.stderr()).toContain('All 2 buckets for local are unavailable');
    expect(h.stderr()).toMatch(/- a: no-token/);
    expect(h.stderr()).toContain('baton auth login local --bucket a');
    expect(h.stdout()).toBe('');
  });

  it('names a missing profile and a broken one', async () => {
    await setup();
    expect(await h.run((factory) => runAsk({ factory, profile: 'ghost', prompt: 'hi' }))).toBe(1);
    expect(h.stderr()).toContain('there is no profile named "ghost"');
    const { writeFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const file = path.join(h.factory.paths.configDir, 'profiles', 'work.json');
    await writeFile(file, '{"name":"work","provider":"local","model":"m","buckets":["a","a"]}');
    expect(await h.run((factory) => runAsk({ factory, profile: 'work', prompt: 'hi' }))).toBe(1);
    expect(h.stderr()).toContain(`${file}: field buckets.1: bucket "a" is listed twice`);
  });

  it('an empty prompt is a usage error', async () => {
    await setup();
    h.stdin('   \n');
    expect(await h.run((factory) => runAsk({ factory }))).toBe(2);
    expect(h.stderr()).toContain('the prompt is empty');
  });
});
