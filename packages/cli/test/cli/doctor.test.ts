import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@baton/core';
import { EncryptedFileTokenStore } from '../../src/auth/storage/index.js';
import { runDoctor } from '../../src/commands/doctor/doctor.js';
import type { CheckResult } from '../../src/commands/doctor/check.js';
import { saveCustomProvider } from '../../src/config/provider-registry.js';
import { saveProfile } from '../../src/config/profile.js';
import { harness, type Captured, type HarnessOptions } from './harness.js';

let h: Captured;
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await h?.cleanup();
  h = undefined as unknown as Captured;
});

async function doctor(options: HarnessOptions = {}, clockCheck = false) {
  h ??= await harness(options);
  const code = await h.run((factory) => runDoctor({ factory, json: true, clockCheck }));
  const report = JSON.parse(h.stdout()) as { ok: boolean; checks: CheckResult[] };
  const check = (name: string): CheckResult | undefined =>
    report.checks.find((c) => c.name === name);
  return { code, report, check };
}

/** A plain HTTP server whose Date header says `serverNow`. */
async function dateServer(serverNow: number): Promise<string> {
  server = createServer((_req, res) => {
    res.setHeader('date', new Date(serverNow).toUTCString());
    res.end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function profileAt(baseUrl: string): Promise<void> {
  const { paths } = h.factory;
  await saveCustomProvider(paths, {
    name: 'local',
    endpoints: { token: `${baseUrl}/token`, deviceAuthorization: `${baseUrl}/device` },
    clientId: 'baton-cli',
    flow: 'device',
    api: 'anthropic',
    baseUrl,
  });
  await saveProfile(paths, { name: 'work', provider: 'local', model: 'm', buckets: ['a'] });
}

describe('baton doctor', () => {
  it('passes on fresh dirs with the file store, naming its protection', async () => {
    const { code, report, check } = await doctor();
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(check('config dir')?.detail).toContain('not created yet');
    expect(check('token store')?.detail).toContain('BATON_STORE=file (encrypted, passphrase)');
    expect(check('token store')?.detail).toContain('a copy of the files is useless without it');
    expect(['ok', 'warn']).toContain(check('keychain')?.status);
    expect(check('keychain')?.detail).toMatch(/probe (in|after) \d+ ms/);
    expect(check('clock')).toBeUndefined();
  });

  it('warns about a data dir others can read, with the chmod that fixes it', async () => {
    h = await harness();
    await mkdir(h.factory.paths.dataDir, { recursive: true });
    await chmod(h.factory.paths.dataDir, 0o755);
    const { code, check } = await doctor();
    expect(code).toBe(0);
    expect(check('data dir')).toMatchObject({
      status: 'warn',
      fix: `chmod 700 ${h.factory.paths.dataDir}`,
    });
  });

  it('fails on a broken profile, naming the file and field', async () => {
    h = await harness();
    const file = path.join(h.factory.paths.configDir, 'profiles', 'bad.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ name: 'bad', provider: 'anthropic', model: 'm' }));
    const { code, check } = await doctor();
    expect(code).toBe(1);
    expect(check('profile bad')).toMatchObject({ status: 'fail', fix: `fix or delete ${file}` });
    expect(check('profile bad')?.detail).toContain('field buckets');
  });

  it('fails when stored tokens cannot be decrypted with this passphrase (key mismatch)', async () => {
    h = await harness({ env: { BATON_STORE_PASSPHRASE: 'the second passphrase' } });
    const written = new EncryptedFileTokenStore({
      dir: h.factory.paths.tokensDir,
      passphrase: 'the first passphrase',
    });
    await written.save('anthropic', 'a', {
      access_token: 'at-doctor-0001',
      token_type: 'Bearer',
      expiry: 2_000_000_000,
    });
    const { code, check } = await doctor();
    expect(code).toBe(1);
    expect(check('token files')?.status).toBe('fail');
    expect(check('token files')?.fix).toMatch(/passphrase/i);
    expect(h.stdout()).not.toContain('at-doctor-0001');
  });

  it('prints each problem with its fix in human form, and exits 1 when something fails', async () => {
    h = await harness();
    const file = path.join(h.factory.paths.configDir, 'settings.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{"activeProfile": "../x"}');
    const code = await h.run((factory) => runDoctor({ factory, clockCheck: false }));
    expect(code).toBe(1);
    expect(h.stderr()).toMatch(/✗\s+settings\s+.*settings\.json: field activeProfile/);
    expect(h.stderr()).toContain('fix: fix ');
    expect(h.stdout()).toBe('');
  });
});

describe('baton doctor clock check', () => {
  it('reports a clock five minutes ahead of the provider', async () => {
    const now = Date.now();
    h = await harness({ clock: new FakeClock(now + 5 * 60_000) });
    await profileAt(await dateServer(now));
    const { code, check } = await doctor({}, true);
    expect(code).toBe(0);
    expect(check('clock')?.status).toBe('warn');
    expect(check('clock')?.detail).toMatch(/this clock is (29\d|30\d) s ahead of 127\.0\.0\.1:\d+/);
    expect(check('clock')?.fix).toContain('time synchronisation');
  });

  it('is quiet when the clocks agree, and skips an unreachable provider', async () => {
    const now = Date.now();
    h = await harness({ clock: new FakeClock(now) });
    await profileAt(await dateServer(now));
    expect((await doctor({}, true)).check('clock')?.status).toBe('ok');
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const again = await harness({ clock: new FakeClock(now) });
    await h.cleanup();
    h = again;
    await profileAt('http://127.0.0.1:9');
    const { check } = await doctor({}, true);
    expect(check('clock')?.status).toBe('ok');
    expect(check('clock')?.detail).toContain('not checked: 127.0.0.1:9 did not answer');
  });
});
