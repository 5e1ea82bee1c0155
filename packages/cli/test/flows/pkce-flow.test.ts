// Authorization code + PKCE against the real testkit server: loopback end to end, stray callbacks
// turned away, busy ports, timeout and abort (no socket left behind), and the paste-the-code variant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, isAbortError } from '@baton/core';
import {
  startAuthorizationServer,
  type AuthorizationResult,
  type AuthorizationServer,
} from '@baton/testkit';
import {
  AuthorizationDeniedError,
  AuthorizationTimeoutError,
  resolveProvider,
  runLoopbackFlow,
  runPasteFlow,
  StateMismatchError,
  type ResolvedProvider,
} from '../../src/auth/flows/index.js';
import {
  closeServer,
  freePort,
  introspect,
  listenOn,
  localProvider,
  portIsFree,
} from './helpers.js';

const PORT_SPAN = 5;
let server: AuthorizationServer;
let provider: ResolvedProvider;

beforeAll(async () => {
  server = await startAuthorizationServer();
  provider = await resolveProvider(localProvider(server, { flow: 'pkce-loopback' }));
});
afterAll(async () => {
  await server.close();
});

describe('PKCE loopback flow', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P10
   * @requirement REQ-1598-SE04
   */
  it('logs in end to end, skipping a busy port, and the token belongs to the account', async () => {
    const busy = await listenOn(0);
    const busyPort = (busy.address() as { port: number }).port;
    let authorizationUrl: URL | undefined;
    let browser: Promise<AuthorizationResult> | undefined;
    try {
      const token = await runLoopbackFlow(provider, {
        ports: { from: busyPort, to: busyPort + PORT_SPAN },
        onAuthorizationUrl: (url) => {
          authorizationUrl = url;
          browser = server.completeAuthorization(url, { account: 'bucket-b' });
        },
      });
      expect(token.refresh_token).toEqual(expect.any(String));
      expect(await introspect(server, token.access_token)).toMatchObject({
        active: true,
        sub: 'bucket-b',
      });
    } finally {
      await closeServer(busy);
    }
    const url = authorizationUrl!;
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const redirect = new URL(url.searchParams.get('redirect_uri')!);
    expect(redirect.hostname).toBe('127.0.0.1');
    expect(Number(redirect.port)).toBeGreaterThan(busyPort);
    const page = await browser!;
    expect(page.callbackStatus).toBe(200);
    expect(page.callbackBody).toContain('Signed in');
    expect(await portIsFree(Number(redirect.port))).toBe(true);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P10
   * @requirement REQ-1598-SE04
   */
  it('turns away stray callbacks (bare GET, stale state, error without state) and waits for ours', async () => {
    let browser: Promise<AuthorizationResult> | undefined;
    const strays: { status: number; body: string }[] = [];
    const token = await runLoopbackFlow(provider, {
      ports: { from: 0, to: 0 },
      onAuthorizationUrl: async (url) => {
        const redirect = url.searchParams.get('redirect_uri')!;
        for (const query of ['', '?code=stale-code&state=old-tab', '?error=access_denied']) {
          const res = await fetch(`${redirect}${query}`);
          strays.push({ status: res.status, body: await res.text() });
        }
        const other = await fetch(new URL('/elsewhere', redirect));
        strays.push({ status: other.status, body: await other.text() });
        browser = server.completeAuthorization(url, { account: 'after-strays' });
      },
    });
    expect(strays.map((s) => s.status)).toEqual([400, 400, 400, 404]);
    expect(strays[0]!.body).toContain('Not this login');
    expect(await introspect(server, token.access_token)).toMatchObject({ sub: 'after-strays' });
    const page = await browser!;
    expect(page.callbackStatus).toBe(200);
  });

  it('ends with AuthorizationDeniedError only when the error carries our state', async () => {
    let page: Promise<Response> | undefined;
    const error = await runLoopbackFlow(provider, {
      ports: { from: 0, to: 0 },
      onAuthorizationUrl: (url) => {
        const callback = new URL(url.searchParams.get('redirect_uri')!);
        callback.searchParams.set('error', 'access_denied');
        callback.searchParams.set('error_description', 'the person said no');
        callback.searchParams.set('state', url.searchParams.get('state')!);
        page = fetch(callback);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorizationDeniedError);
    expect((error as AuthorizationDeniedError).error).toBe('access_denied');
    expect((error as Error).message).toContain('the person said no');
    expect((await page!).status).toBe(400);
  });

  it('times out on its clock, leaving no listener and no timer', async () => {
    const clock = new FakeClock();
    const timeoutMs = 60_000;
    let redirectPort = 0;
    let shown!: () => void;
    const urlShown = new Promise<void>((resolve) => {
      shown = resolve;
    });
    const flow = runLoopbackFlow(provider, {
      clock,
      timeoutMs,
      ports: { from: 0, to: 0 },
      onAuthorizationUrl: (url) => {
        redirectPort = Number(new URL(url.searchParams.get('redirect_uri')!).port);
        shown();
      },
    });
    flow.catch(() => undefined);
    await urlShown;
    expect(await portIsFree(redirectPort)).toBe(false);
    await clock.advance(timeoutMs);
    const error = await flow.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorizationTimeoutError);
    expect(clock.pendingSleepers).toBe(0);
    expect(await portIsFree(redirectPort)).toBe(true);
  });

  it('aborts, leaving no listener and no timer', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let redirectPort = 0;
    const flow = runLoopbackFlow(provider, {
      clock,
      signal: controller.signal,
      ports: { from: 0, to: 0 },
      onAuthorizationUrl: (url) => {
        redirectPort = Number(new URL(url.searchParams.get('redirect_uri')!).port);
        controller.abort();
      },
    });
    const error = await flow.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(clock.pendingSleepers).toBe(0);
    expect(await portIsFree(redirectPort)).toBe(true);
  });

  it('fails with CallbackPortUnavailableError when every port of the range is taken', async () => {
    const port = await freePort();
    const busy = await listenOn(port);
    try {
      const error = await runLoopbackFlow(provider, {
        ports: { from: port, to: port },
        onAuthorizationUrl: () => undefined,
      }).catch((e: unknown) => e);
      expect((error as Error).name).toBe('CallbackPortUnavailableError');
    } finally {
      await closeServer(busy);
    }
  });
});

describe('PKCE paste-code flow', () => {
  it('exchanges a pasted `code#state` for a token', async () => {
    // The provider's "own page" is any loopback URL here; the code is read from the redirect.
    const pasteProvider = await resolveProvider(
      localProvider(server, { flow: 'pkce-paste', redirectUri: 'http://127.0.0.1:9/callback' }),
    );
    let shownUrl: URL | undefined;
    const result = await runPasteFlow(pasteProvider, {
      onAuthorizationUrl: (url) => {
        shownUrl = url;
      },
      readPastedCode: async () => {
        const { callbackUrl } = await server.completeAuthorization(shownUrl!, {
          account: 'bucket-c',
          deliver: false,
        });
        return `${callbackUrl.searchParams.get('code')}#${callbackUrl.searchParams.get('state')}`;
      },
    });
    expect(await introspect(server, result.access_token)).toMatchObject({
      active: true,
      sub: 'bucket-c',
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P10
   * @requirement REQ-1598-SE04
   */
  it('refuses a pasted code from another login (state mismatch)', async () => {
    const pasteProvider = await resolveProvider(
      localProvider(server, { flow: 'pkce-paste', redirectUri: 'http://127.0.0.1:9/callback' }),
    );
    const error = await runPasteFlow(pasteProvider, {
      onAuthorizationUrl: () => undefined,
      readPastedCode: async () => 'some-code#someone-elses-state',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateMismatchError);
  });
});
