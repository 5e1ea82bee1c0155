// The Codex device login against a stand-in of its non-RFC deviceauth endpoints over real HTTP:
// pending polls, approval, the code exchange with the deviceauth redirect, the account id from the
// id_token, transient failures, expiry and the "not enabled" answer.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '@baton/core';
import {
  codexPreset,
  DeviceFlowExpiredError,
  OAuthFlowError,
  parseProviderConfig,
  resolveProvider,
  type ResolvedProvider,
} from '../../src/auth/flows/index.js';
import { codexDeviceUrls, startCodexDeviceLogin } from '../../src/auth/flows/codex-device-flow.js';
import { startCodexDeviceServer, type CodexDeviceServer } from './codex-device-server.js';

let server: CodexDeviceServer;
let provider: ResolvedProvider;
beforeEach(async () => {
  server = await startCodexDeviceServer(codexPreset.clientId);
  provider = await resolveProvider(
    parseProviderConfig({
      ...codexPreset,
      endpoints: {
        issuer: server.issuer,
        authorization: `${server.issuer}/oauth/authorize`,
        token: `${server.issuer}/oauth/token`,
      },
    }),
  );
});
afterEach(() => server.close());

describe('Codex device login', () => {
  it('names the deviceauth URLs the Codex CLI uses', () => {
    // openai/codex codex-rs/login/src/device_code_auth.rs: `{issuer}/api/accounts/deviceauth/*`,
    // `{issuer}/codex/device`, redirect `{issuer}/deviceauth/callback`.
    expect(codexDeviceUrls('https://auth.openai.com/')).toEqual({
      userCode: 'https://auth.openai.com/api/accounts/deviceauth/usercode',
      token: 'https://auth.openai.com/api/accounts/deviceauth/token',
      verification: 'https://auth.openai.com/codex/device',
      redirect: 'https://auth.openai.com/deviceauth/callback',
    });
  });

  it('polls while pending, then exchanges the code and keeps the ChatGPT account id', async () => {
    const pending = await startCodexDeviceLogin(provider, { intervalMs: 20 });
    expect(pending.verificationUri).toBe(`${server.issuer}/codex/device`);
    const token = pending.waitForToken();
    await vi.waitFor(() =>
      expect(
        server.seen.filter((s) => s.path.endsWith('/deviceauth/token')).length,
      ).toBeGreaterThanOrEqual(2),
    );
    server.approve(pending.userCode, 'acct-device-1');
    const result = await token;
    expect(result.account_id).toBe('acct-device-1');
    expect(result.refresh_token).toMatch(/^rt_/);
    const [start] = server.seen;
    expect(start).toEqual({
      path: '/api/accounts/deviceauth/usercode',
      body: { client_id: 'app_EMoamEEZ73f0CkXaXp7hrann' },
    });
    const exchange = server.seen.at(-1);
    expect(exchange?.path).toBe('/oauth/token');
    expect(exchange?.body.redirect_uri).toBe(`${server.issuer}/deviceauth/callback`);
    expect(exchange?.body.grant_type).toBe('authorization_code');
  });

  it('takes the server interval (a string of seconds) when none is forced', async () => {
    const pending = await startCodexDeviceLogin(provider);
    expect(pending.intervalMs).toBe(5000);
  });

  it('backs off on a failing poll instead of ending the login', async () => {
    server.failNextPolls(1, 503);
    const pending = await startCodexDeviceLogin(provider, { intervalMs: 20 });
    const token = pending.waitForToken();
    await vi.waitFor(() => expect(pending.intervalMs).toBe(40));
    server.approve(pending.userCode, 'acct-2');
    expect((await token).account_id).toBe('acct-2');
  });

  it('a refusing poll (not pending, not transient) ends the login with its status', async () => {
    server.failNextPolls(1, 400);
    const pending = await startCodexDeviceLogin(provider, { intervalMs: 20 });
    const error = await pending.waitForToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthFlowError);
    expect((error as OAuthFlowError).status).toBe(400);
  });

  it('gives up when the code has expired (15 minutes)', async () => {
    const clock = new FakeClock();
    const pending = await startCodexDeviceLogin(provider, { clock, intervalMs: 10 * 60_000 });
    const token = pending.waitForToken().catch((e: unknown) => e);
    await vi.waitFor(() => expect(clock.pendingSleepers).toBe(1));
    await clock.advance(10 * 60_000);
    await vi.waitFor(() => expect(clock.sleeps.length).toBe(2));
    await clock.advance(10 * 60_000);
    expect(await token).toBeInstanceOf(DeviceFlowExpiredError);
  });

  it('says so when the server has no device login', async () => {
    server.disableDeviceLogin();
    const error = await startCodexDeviceLogin(provider).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthFlowError);
    expect((error as Error).message).toContain('not enabled');
  });
});
