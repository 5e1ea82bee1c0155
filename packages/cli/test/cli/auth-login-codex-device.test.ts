// `baton auth login codex --device` end to end: the codex preset pointed at a local stand-in of
// auth.openai.com's deviceauth endpoints (a custom provider file named codex wins over the preset),
// the code shown through the login runner, approved through the onDeviceCode hook, and the token
// stored in the bucket with its ChatGPT account id, never printed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codexPreset, type DeviceCodePrompt } from '../../src/auth/flows/index.js';
import { EncryptedFileTokenStore } from '../../src/auth/storage/index.js';
import { runAuthLogin } from '../../src/commands/auth/login.js';
import { saveCustomProvider } from '../../src/config/provider-registry.js';
import { startCodexDeviceServer, type CodexDeviceServer } from '../flows/codex-device-server.js';
import { harness, type Captured } from './harness.js';

const PASSPHRASE = 'test passphrase for a throwaway store';

let server: CodexDeviceServer;
let h: Captured;
beforeEach(async () => {
  server = await startCodexDeviceServer(codexPreset.clientId);
  h = await harness({ env: { BATON_STORE_PASSPHRASE: PASSPHRASE } });
  // The preset as it ships, with only the issuer's host moved to the stand-in.
  await saveCustomProvider(h.factory.paths, {
    ...codexPreset,
    endpoints: {
      ...codexPreset.endpoints,
      issuer: server.issuer,
      authorization: `${server.issuer}/oauth/authorize`,
      token: `${server.issuer}/oauth/token`,
      revocation: `${server.issuer}/oauth/revoke`,
    },
  });
});
afterEach(async () => {
  await h.cleanup();
  await server.close();
});

describe('baton auth login codex --device', () => {
  it('shows the code and the Codex device page, and stores the token with its account id', async () => {
    const shown: DeviceCodePrompt[] = [];
    const code = await h.run((factory) =>
      runAuthLogin({
        factory,
        provider: 'codex',
        bucket: 'home',
        device: true,
        intervalMs: 20,
        onDeviceCode: (prompt) => {
          shown.push(prompt);
          server.approve(prompt.userCode, 'acct-home-7');
        },
      }),
    );
    expect(code).toBe(0);
    expect(shown).toHaveLength(1);
    const [prompt] = shown;
    expect(prompt?.verificationUri).toBe(`${server.issuer}/codex/device`);
    expect(prompt?.userCode).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);

    const store = new EncryptedFileTokenStore({
      dir: h.factory.paths.tokensDir,
      passphrase: PASSPHRASE,
    });
    const token = await store.get('codex', 'home');
    expect(token?.account_id).toBe('acct-home-7');
    expect(token?.refresh_token).toMatch(/^rt_/);
    expect(token?.id_token).toEqual(expect.any(String));

    const err = h.stderr();
    expect(err).toContain(
      `To sign in codex/home, open ${server.issuer}/codex/device and enter the code:\n  ${prompt?.userCode}`,
    );
    expect(err).toContain('✓ Approved: codex/home');
    // The deviceauth login, not the browser one and not RFC 8628.
    expect(server.seen[0]?.path).toBe('/api/accounts/deviceauth/usercode');
    expect(server.seen.some((s) => s.path === '/oauth/authorize')).toBe(false);
    for (const secret of [token!.access_token, token!.refresh_token!]) {
      expect(err).not.toContain(secret);
      expect(h.stdout()).not.toContain(secret);
    }
  });

  it('--json prints the bucket and kind on stdout, and no token', async () => {
    const code = await h.run((factory) =>
      runAuthLogin({
        factory,
        provider: 'codex',
        bucket: 'ci',
        device: true,
        json: true,
        intervalMs: 20,
        onDeviceCode: (prompt) => server.approve(prompt.userCode, 'acct-ci'),
      }),
    );
    expect(code).toBe(0);
    const printed = JSON.parse(h.stdout()) as Record<string, unknown>;
    expect(printed).toMatchObject({ provider: 'codex', bucket: 'ci', kind: 'oauth' });
    expect(Object.keys(printed).sort()).toEqual(['bucket', 'expiresAt', 'kind', 'provider']);
  });

  it('a server without device login says so in one sentence and exits 1', async () => {
    server.disableDeviceLogin();
    const code = await h.run((factory) =>
      runAuthLogin({ factory, provider: 'codex', bucket: 'home', device: true, intervalMs: 20 }),
    );
    expect(code).toBe(1);
    expect(h.stderr()).toContain(
      'device code login is not enabled for this Codex server; use the browser login',
    );
  });
});
