// The built binary end to end against testkit: device-flow logins, status as JSON, an ask whose
// first bucket is out of quota (failover line on stderr, answer on stdout), logout --all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { EncryptedFileTokenStore } from '../../src/auth/storage/index.js';
import { startLocalStack, type LocalStack } from '../../src/commands/demo/local-stack.js';
import { batonHome, type BatonHome } from './baton-process.js';

const HOUR_MS = 60 * 60_000;
let stack: LocalStack;
let home: BatonHome;

beforeAll(async () => {
  stack = await startLocalStack();
  // Account A answers one request per hour, then 429s; account B has no limit.
  stack.emulator.setQuota('acct-a', { requestsPerWindow: 1, windowMs: HOUR_MS, mode: '429' });
  home = await batonHome();
  await home.writeProvider('local', stack.provider('local'));
});

afterAll(async () => {
  await home?.cleanup();
  await stack?.close();
});

interface StatusJson {
  store: { backend: string; protection: string };
  buckets: { provider: string; bucket: string; authenticated: boolean; kind?: string }[];
}

describe('baton end to end', { timeout: 180_000 }, () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P17
   * @requirement REQ-1598-CLI01, REQ-1598-CLI02, REQ-1598-CLI06
   */
  it('logs in two buckets, fails over on quota, and logs out', async () => {
    const created = await home.run([
      'profile',
      'create',
      'e2e',
      '--provider',
      'local',
      '--model',
      'emulator-1',
      '--bucket',
      'a',
      '--bucket',
      'b',
    ]);
    expect(created.code, created.stderr).toBe(0);

    const [loginA, loginB] = await Promise.all([
      home.login('local', 'a', stack.server, 'acct-a'),
      home.login('local', 'b', stack.server, 'acct-b'),
    ]);
    expect(loginA.code, loginA.stderr).toBe(0);
    expect(loginB.code, loginB.stderr).toBe(0);
    expect(loginA.stderr).toContain('✓ Approved: local/a');

    const status = await home.run(['auth', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const before = JSON.parse(status.stdout) as StatusJson;
    expect(before.store).toMatchObject({ backend: 'file', protection: 'encrypted, passphrase' });
    expect(before.buckets.map((b) => [b.bucket, b.authenticated, b.kind])).toEqual([
      ['a', true, 'oauth'],
      ['b', true, 'oauth'],
    ]);

    const first = await home.run(['ask', 'first question']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('first question\n');

    const second = await home.run(['ask', 'second question']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe('second question\n');
    expect(second.stderr).toMatch(/bucket a out of quota until \d\d:\d\d → using b/);
    expect(stack.emulator.counters.byAccount['acct-a']?.byStatus[429]).toBe(1);
    expect(stack.emulator.counters.byAccount['acct-b']?.byStatus[200]).toBe(1);

    // --debug shows what happens, and never a token: grep the whole run for every secret we hold.
    const store = new EncryptedFileTokenStore({
      dir: path.join(home.env.BATON_DATA_DIR!, 'tokens'),
      passphrase: home.env.BATON_STORE_PASSPHRASE!,
    });
    const secrets = (await Promise.all(['a', 'b'].map((b) => store.get('local', b))))
      .flatMap((t) => [t?.access_token, t?.refresh_token, t?.id_token as string | undefined])
      .filter((s): s is string => typeof s === 'string' && s.length > 0);
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    const debug = await home.run(['--debug', 'ask', 'debug question']);
    expect(debug.code, debug.stderr).toBe(0);
    expect(debug.stderr).toContain('debug:');
    for (const secret of secrets) {
      expect(debug.stdout + debug.stderr).not.toContain(secret);
      expect(second.stdout + second.stderr).not.toContain(secret);
    }

    const logout = await home.run(['auth', 'logout', 'local', '--all']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stderr).toContain('✓ logged out local/a (revoked at the provider)');
    expect(logout.stderr).toContain('✓ logged out local/b');

    const after = JSON.parse((await home.run(['auth', 'status', '--json'])).stdout) as StatusJson;
    expect(after.buckets.filter((b) => b.authenticated)).toEqual([]);

    const denied = await home.run(['ask', 'third question']);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toContain('All 2 buckets for local are unavailable');
  });
});
