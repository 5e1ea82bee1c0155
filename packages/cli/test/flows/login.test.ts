// runLogin, the one entry point the CLI calls: the provider's notice comes before any URL, the
// Anthropic preset with --no-browser prints the paste URL and takes the paste, a browser login races
// loopback against paste, a device login shows its code, and the account that came back is named.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startAuthorizationServer,
  startRawHttpServer,
  type AuthorizationServer,
  type RawHttpServer,
} from '@baton/testkit';
import {
  ANTHROPIC_LOGIN_NOTICE,
  parseProviderConfig,
  presetConfig,
  resolveProvider,
  runLogin,
  type LoginOptions,
} from '../../src/auth/flows/index.js';
import { introspect, localProvider } from './helpers.js';

let server: AuthorizationServer;
let raw: RawHttpServer;

beforeAll(async () => {
  server = await startAuthorizationServer();
  raw = await startRawHttpServer();
});
beforeEach(() => raw.reset());
afterAll(async () => {
  await raw.close();
  await server.close();
});

/** What the CLI would print, in order, and a paste prompt answered by `paste`. */
function terminal(overrides: Partial<LoginOptions> & Pick<LoginOptions, 'browser'>) {
  const printed: string[] = [];
  const options: LoginOptions = {
    showNotice: (text) => {
      printed.push(`notice: ${text}`);
    },
    showUrl: (url, kind) => {
      printed.push(`${kind}: ${url.searchParams.get('redirect_uri')}`);
    },
    showDeviceCode: ({ userCode }) => {
      printed.push(`device code: ${userCode}`);
    },
    openBrowser: (url) => {
      printed.push(`opened: ${url.origin}${url.pathname}`);
    },
    readPastedCode: (signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
      }),
    ports: { from: 0, to: 0 },
    ...overrides,
  };
  return { printed, options };
}

describe('runLogin', () => {
  it('anthropic --no-browser: policy notice first, paste URL printed, pasted code exchanged', async () => {
    raw.script('/token', [
      {
        status: 200,
        json: {
          access_token: 'sk-ant-oat-test',
          refresh_token: 'sk-ant-ort-test',
          expires_in: 28_800,
          token_type: 'Bearer',
          account: { uuid: 'acc-1', email_address: 'someone@example.com' },
        },
      },
    ]);
    const provider = await resolveProvider(
      presetConfig('anthropic', {
        endpoints: { authorization: `${raw.url}/authorize`, token: `${raw.url}/token` },
      }),
    );
    let state = '';
    const { printed, options } = terminal({
      browser: false,
      showUrl: (url, kind) => {
        state = url.searchParams.get('state')!;
        printed.push(`${kind}: ${url.searchParams.get('redirect_uri')}`);
      },
      readPastedCode: async () => `the-code#${state}`,
    });
    const result = await runLogin(provider, options);
    expect(printed).toEqual([
      `notice: ${ANTHROPIC_LOGIN_NOTICE}`,
      'paste: https://platform.claude.com/oauth/code/callback',
    ]);
    expect(result.via).toBe('paste');
    expect(result.account).toBe('someone@example.com');
    const body = JSON.parse(raw.requests[0]!.body) as Record<string, string>;
    expect(body).toMatchObject({
      code: 'the-code',
      state,
      redirect_uri: 'https://platform.claude.com/oauth/code/callback',
    });
  });

  it('a browser login of a paste provider with a callback races; the browser opens the loopback URL', async () => {
    const provider = await resolveProvider(
      localProvider(server, {
        flow: 'pkce-paste',
        redirectUri: 'http://127.0.0.1:9/callback',
        callback: { host: '127.0.0.1', path: '/callback' },
      }),
    );
    let page: Promise<unknown> | undefined;
    const { printed, options } = terminal({
      browser: true,
      openBrowser: (url) => {
        printed.push(`opened: ${new URL(url.searchParams.get('redirect_uri')!).pathname}`);
        page = server.completeAuthorization(url, { account: 'bucket-b' });
      },
    });
    const result = await runLogin(provider, options);
    await page;
    expect(printed).toEqual(['paste: http://127.0.0.1:9/callback', 'opened: /callback']);
    expect(result.via).toBe('loopback');
    expect(await introspect(server, result.token.access_token)).toMatchObject({ sub: 'bucket-b' });
  });

  it('a device login shows the code, survives a browser that fails to open, and names the id_token email', async () => {
    const issuer = raw.url;
    raw.script('/device', [
      {
        status: 200,
        json: {
          device_code: 'dc',
          user_code: 'WDJB-MJHT',
          verification_uri: 'https://example.test/device',
          expires_in: 600,
        },
      },
    ]);
    const idToken = unsignedIdToken({
      iss: issuer,
      aud: 'c1',
      sub: 'opaque-123',
      email: 'bucket-d@example.com',
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    raw.script('/token', [
      { status: 400, json: { error: 'authorization_pending' } },
      { status: 200, json: { access_token: 'at', token_type: 'Bearer', id_token: idToken } },
    ]);
    const provider = await resolveProvider(
      parseProviderConfig({
        name: 'device-idp',
        endpoints: { token: `${raw.url}/token`, deviceAuthorization: `${raw.url}/device` },
        clientId: 'c1',
        scopes: ['openid', 'email'],
        flow: 'device',
        api: 'openai',
        baseUrl: 'http://127.0.0.1:9/v1',
      }),
    );
    const { printed, options } = terminal({
      browser: true,
      intervalMs: 1,
      openBrowser: () => {
        throw new Error('no browser here');
      },
    });
    const result = await runLogin(provider, options);
    expect(printed).toEqual(['device code: WDJB-MJHT']);
    expect(result).toMatchObject({ via: 'device', account: 'bucket-d@example.com' });
  });
});

/** An id_token as a token endpoint sends it (the signature is not checked on a TLS token answer). */
function unsignedIdToken(claims: Record<string, unknown>): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('sig').toString('base64url')}`;
}
