// Provider presets and the custom-provider schema: every preset validates, every authorization
// request carries PKCE S256 and the preset's scopes (no network), and each quirk shows on the wire
// against a raw local server that records requests (Anthropic's JSON body with state, the device PKCE and resource_url of
// the retired qwen preset, now a custom provider's business). Pinned values live in preset-values.test.ts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  buildPkceAuthorizationRequest,
  callbackFromPaste,
  CODEX_CALLBACK_PORT,
  CustomProviderSchema,
  deviceAuthorizationParams,
  parseProviderConfig,
  presetConfig,
  PROVIDER_PRESETS,
  ProviderConfigError,
  qwenApiBaseUrl,
  resolveProvider,
  runPasteFlow,
  startDeviceAuthorization,
  type PresetName,
} from '../../src/auth/flows/index.js';
import { CODEX_FALLBACK_CALLBACK_PORT } from '../../src/auth/flows/presets/codex.js';
import { thrownBy } from './helpers.js';
import { startRawHttpServer } from '@baton/testkit';

const PRESET_NAMES = Object.keys(PROVIDER_PRESETS) as PresetName[];
const s256 = (verifier: string): string =>
  createHash('sha256').update(verifier).digest('base64url');

describe('provider presets', () => {
  it.each(PRESET_NAMES)('%s validates against the custom-provider schema', (name) => {
    const result = CustomProviderSchema.safeParse(PROVIDER_PRESETS[name]);
    expect(result.success).toBe(true);
    expect(result.data?.name).toBe(name);
  });

  it.each(PRESET_NAMES.filter((n) => PROVIDER_PRESETS[n].flow !== 'device'))(
    '%s authorization URL carries PKCE S256, state and its scopes',
    async (name) => {
      const config = presetConfig(name);
      const provider = await resolveProvider(config); // explicit endpoints: no network
      const redirect = config.redirectUri ?? 'http://127.0.0.1:53682/callback';
      const { url, state, verifier } = await buildPkceAuthorizationRequest(provider, redirect);
      expect(url.origin + url.pathname).toBe(config.endpoints?.authorization);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('code_challenge')).toBe(s256(verifier));
      expect(url.searchParams.get('state')).toBe(state);
      expect(url.searchParams.get('client_id')).toBe(config.clientId);
      expect(url.searchParams.get('response_type')).toBe('code');
      expect(url.searchParams.get('scope')?.split(' ')).toEqual(config.scopes);
      for (const [key, value] of Object.entries(config.authorizationParams)) {
        expect(url.searchParams.get(key)).toBe(value);
      }
    },
  );

  it('qwen device authorization request carries PKCE S256 and its scopes', async () => {
    const config = presetConfig('qwen');
    const { params, codeVerifier } = await deviceAuthorizationParams(config);
    expect(params.code_challenge_method).toBe('S256');
    expect(params.code_challenge).toBe(s256(codeVerifier!));
    expect(params.scope?.split(' ')).toEqual(['openid', 'profile', 'email', 'model.completion']);
  });

  it('codex expects its loopback callback on localhost:1455, then 1457, taking over from an earlier login', () => {
    const config = presetConfig('codex');
    expect(config.callback).toEqual({
      host: 'localhost',
      path: '/auth/callback',
      ports: [CODEX_CALLBACK_PORT, CODEX_FALLBACK_CALLBACK_PORT],
      cancelPrevious: true,
    });
    expect(config.deviceFlow).toBe('codex-deviceauth');
  });

  it('gemini asks Google for offline access and takes a client secret from config', () => {
    expect(presetConfig('gemini').authorizationParams.access_type).toBe('offline');
    expect(presetConfig('gemini', { clientSecret: 'from-user-config' }).clientSecret).toBe(
      'from-user-config',
    );
  });

  it('anthropic: code exchange is a JSON body with state, from a pasted code#state', async () => {
    const recorder = await startRawHttpServer();
    recorder.script('/token', [
      { json: { access_token: 'at', refresh_token: 'rt', token_type: 'Bearer', expires_in: 60 } },
    ]);
    try {
      const config = presetConfig('anthropic', {
        endpoints: { authorization: `${recorder.url}/authorize`, token: `${recorder.url}/token` },
      });
      const provider = await resolveProvider(config);
      let sent: URL | undefined;
      const token = await runPasteFlow(provider, {
        onAuthorizationUrl: (url) => {
          sent = url;
        },
        readPastedCode: async () => `the-code#${sent!.searchParams.get('state')}`,
      });
      expect(token).toMatchObject({ access_token: 'at', refresh_token: 'rt' });
      expect(sent!.searchParams.get('code')).toBe('true');
      const [request] = recorder.requests;
      expect(request!.headers['content-type']).toBe('application/json');
      const body = JSON.parse(request!.body) as Record<string, string>;
      expect(body).toMatchObject({
        grant_type: 'authorization_code',
        code: 'the-code',
        state: sent!.searchParams.get('state'),
        client_id: config.clientId,
        redirect_uri: 'https://platform.claude.com/oauth/code/callback',
      });
      expect(s256(body.code_verifier!)).toBe(sent!.searchParams.get('code_challenge'));
    } finally {
      await recorder.close();
    }
  });

  it('device PKCE (the retired qwen values as a custom provider): challenge, verifier, resource_url', async () => {
    const recorder = await startRawHttpServer();
    recorder.script('/device', [
      {
        json: {
          device_code: 'dc',
          user_code: 'UC',
          verification_uri: 'https://example.test/device',
          expires_in: 300,
        },
      },
    ]);
    recorder.script('/token', [
      {
        json: {
          access_token: 'qat',
          refresh_token: 'qrt',
          token_type: 'Bearer',
          expires_in: 60,
          resource_url: 'portal.qwen.ai',
        },
      },
    ]);
    try {
      const config = parseProviderConfig({
        ...PROVIDER_PRESETS.qwen,
        name: 'my-qwen',
        endpoints: {
          deviceAuthorization: `${recorder.url}/device`,
          token: `${recorder.url}/token`,
        },
      });
      const pending = await startDeviceAuthorization(await resolveProvider(config), {
        intervalMs: 1,
      });
      const token = await pending.waitForToken();
      const [device, poll] = recorder.requests.map((r) => new URLSearchParams(r.body));
      expect(device!.get('code_challenge_method')).toBe('S256');
      expect(s256(poll!.get('code_verifier')!)).toBe(device!.get('code_challenge'));
      expect(poll!.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:device_code');
      expect(token.resource_url).toBe('portal.qwen.ai');
      expect(qwenApiBaseUrl(token)).toBe('https://portal.qwen.ai/v1');
      expect(qwenApiBaseUrl({})).toBe(config.baseUrl);
    } finally {
      await recorder.close();
    }
  });
});

describe('custom-provider schema', () => {
  const base = {
    name: 'gateway',
    clientId: 'cli',
    flow: 'pkce-loopback',
    api: 'anthropic',
    baseUrl: 'https://gw.example.com',
  } as const;

  it('accepts an issuer for discovery and fills defaults', () => {
    const config = parseProviderConfig({ ...base, issuer: 'https://id.example.com' });
    expect(config).toMatchObject({
      tokenRequestBody: 'form',
      devicePkce: false,
      scopes: [],
      deviceFlow: 'rfc8628',
    });
  });

  it('takes callback ports as a range or as a list, and cancelPrevious defaults to off', () => {
    const issuer = 'https://id.example.com';
    const range = parseProviderConfig({
      ...base,
      issuer,
      callback: { ports: { from: 8000, to: 8002 } },
    });
    expect(range.callback).toMatchObject({
      ports: { from: 8000, to: 8002 },
      cancelPrevious: false,
    });
    const list = parseProviderConfig({ ...base, issuer, callback: { ports: [8000, 8005] } });
    expect(list.callback?.ports).toEqual([8000, 8005]);
  });

  it('a codex-deviceauth device login needs no device authorization endpoint', () => {
    const config = parseProviderConfig({
      ...base,
      flow: 'device',
      deviceFlow: 'codex-deviceauth',
      endpoints: { token: 'https://a.example/t' },
    });
    expect(config.deviceFlow).toBe('codex-deviceauth');
  });

  it.each([
    [{ ...base }, 'issuer'],
    [
      { ...base, issuer: 'https://a.example', endpoints: { token: 'https://a.example/t' } },
      'issuer',
    ],
    [{ ...base, issuer: 'http://id.example.com' }, 'issuer'],
    [{ ...base, endpoints: { token: 'https://a.example/t' } }, 'endpoints.authorization'],
    [
      { ...base, flow: 'device', endpoints: { token: 'https://a.example/t' } },
      'endpoints.deviceAuthorization',
    ],
    [{ ...base, flow: 'pkce-paste', issuer: 'https://a.example' }, 'redirectUri'],
    [{ ...base, issuer: 'https://a.example', name: 'Bad Name' }, 'name'],
    [{ ...base, issuer: 'https://a.example', callback: { ports: [] } }, 'callback.ports'],
    [{ ...base, issuer: 'https://a.example', callback: { ports: [70_000] } }, 'callback.ports.0'],
    [
      { ...base, issuer: 'https://a.example', callback: { ports: { from: 9, to: 8 } } },
      'callback.ports',
    ],
    [{ ...base, issuer: 'https://a.example', deviceFlow: 'rfc9999' }, 'deviceFlow'],
  ])('rejects %j naming %s', (raw, field) => {
    const error = thrownBy(() => parseProviderConfig(raw));
    expect(error).toBeInstanceOf(ProviderConfigError);
    expect((error as ProviderConfigError).issues.some((i) => i.startsWith(`${field}:`))).toBe(true);
  });
});

describe('pasted code parsing', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

  test.prop([token, token])(
    'code#state, query and full URL forms all read the same',
    async (code, state) => {
      const provider = await resolveProvider(presetConfig('anthropic'));
      const forms = [
        `${code}#${state}`,
        `  code=${code}&state=${state}\n`,
        `https://platform.claude.com/oauth/code/callback?code=${code}&state=${state}`,
      ];
      for (const pasted of forms) {
        const url = callbackFromPaste(provider, pasted, 'expected');
        expect(url.searchParams.get('code')).toBe(code);
        expect(url.searchParams.get('state')).toBe(state);
        expect(url.origin + url.pathname).toBe('https://platform.claude.com/oauth/code/callback');
      }
      // A bare code gets the flow's own state.
      expect(callbackFromPaste(provider, code, 'expected').searchParams.get('state')).toBe(
        'expected',
      );
    },
  );
});
