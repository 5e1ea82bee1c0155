import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProviderConfig, resolveProvider } from '../../src/auth/flows/index.js';
import { createLoginRunner, withDeviceFlow } from '../../src/commands/auth/login-runner.js';
import { readApiKey } from '../../src/commands/auth/api-key.js';
import { startAuthorizationServer, type AuthorizationServer } from '@baton/testkit';
import { harness, scriptedPrompter, type Captured } from './harness.js';

let server: AuthorizationServer;
beforeAll(async () => {
  server = await startAuthorizationServer();
});
afterAll(async () => server?.close());

const config = (flow: 'device' | 'pkce-loopback' | 'pkce-paste') =>
  parseProviderConfig({
    name: 'local',
    issuer: server.issuer,
    clientId: server.clientId,
    scopes: ['openid', 'offline_access'],
    flow,
    api: 'anthropic',
    baseUrl: 'http://127.0.0.1:9',
    ...(flow === 'pkce-paste' ? { redirectUri: `${server.issuer}/code` } : {}),
  });

async function login(
  h: Captured,
  flow: 'device' | 'pkce-loopback' | 'pkce-paste',
  forceDevice = false,
) {
  const provider = await resolveProvider(config(flow));
  const runner = createLoginRunner(h.factory, {
    intervalMs: 50,
    forceDevice,
    onDeviceCode: (prompt) => server.approveDeviceCode(prompt.userCode, { account: 'acct-b' }),
  });
  return runner({
    providerName: 'local',
    provider,
    bucket: 'b',
    signal: new AbortController().signal,
    timeoutMs: 30_000,
  });
}

describe('login runner', () => {
  it('device flow: shows the address and code, and returns the approved token', async () => {
    const h = await harness();
    try {
      const token = await login(h, 'device');
      expect(token.access_token).toEqual(expect.any(String));
      expect(token.refresh_token).toEqual(expect.any(String));
      const err = h.stderr();
      expect(err).toMatch(
        /To sign in local\/b, open http:\/\/127\.0\.0\.1:\d+\/\S+ and enter the code:\n {2}\S+/,
      );
      expect(err).toMatch(/Waiting for approval \(the code expires in \d+ min\)/);
      expect(err).toContain('✓ Approved: local/b');
      expect(err).not.toContain(token.access_token);
      expect(h.stdout()).toBe('');
    } finally {
      await h.cleanup();
    }
  });

  it('--device turns a browser provider into a device login when the server offers one', async () => {
    const h = await harness();
    try {
      const token = await login(h, 'pkce-loopback', true);
      expect(token.access_token).toEqual(expect.any(String));
      expect(h.stderr()).toContain('enter the code');
      const noDevice = {
        config: config('pkce-loopback'),
        serverMetadata: { issuer: 'x', token_endpoint: 'http://127.0.0.1:9/t' },
      };
      expect(() => withDeviceFlow(noDevice)).toThrow('local offers no device login');
    } finally {
      await h.cleanup();
    }
  });

  it('a paste login without a terminal stops with the command to run in one', async () => {
    const h = await harness({ interactive: false });
    try {
      const failure = await login(h, 'pkce-paste').catch((e: unknown) => e);
      expect((failure as Error).message).toContain('there is no terminal to paste it into');
      expect(h.stderr()).toMatch(/Sign in for local\/b at this address/);
      expect(h.stderr()).toContain(`${server.issuer}/auth?`);
    } finally {
      await h.cleanup();
    }
  });
});

describe('API key reader', () => {
  it('reads a piped key and trims the newline', async () => {
    const h = await harness();
    try {
      h.stdin('sk-test-key-0001\n');
      expect(await readApiKey(h.factory, 'openai/a')).toBe('sk-test-key-0001');
    } finally {
      await h.cleanup();
    }
  });

  it('asks a terminal user without echo', async () => {
    const prompter = scriptedPrompter(['sk-typed-0002']);
    const h = await harness({ tty: true, interactive: true, prompter });
    try {
      expect(await readApiKey(h.factory, 'openai/a')).toBe('sk-typed-0002');
      expect(prompter.asked).toEqual(['API key for openai/a']);
    } finally {
      await h.cleanup();
    }
  });

  it.each([
    ['', 'no API key was given'],
    ['two words\n', 'contains spaces or line breaks'],
  ])('rejects %j with a usage error', async (input, message) => {
    const h = await harness();
    try {
      h.stdin(input);
      const code = await h.run(async (factory) => {
        await readApiKey(factory, 'openai/a');
      });
      expect(code).toBe(2);
      expect(h.stderr()).toContain(message);
    } finally {
      await h.cleanup();
    }
  });
});
