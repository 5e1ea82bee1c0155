// Claude Code's login shape against the real testkit server: one PKCE login whose browser URL
// redirects to our loopback listener and whose paste URL ends on the provider's code page. Both
// orders are run: the loser is cancelled (the prompt's signal aborts, or the port is freed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startAuthorizationServer,
  type AuthorizationResult,
  type AuthorizationServer,
} from '@baton/testkit';
import {
  resolveProvider,
  runRacedFlow,
  type RacedAuthorizationUrls,
  type ResolvedProvider,
} from '../../src/auth/flows/index.js';
import { introspect, localProvider, portIsFree } from './helpers.js';

const PASTE_PAGE = 'http://127.0.0.1:9/callback';
let server: AuthorizationServer;
let provider: ResolvedProvider;

beforeAll(async () => {
  server = await startAuthorizationServer();
  provider = await resolveProvider(
    localProvider(server, {
      flow: 'pkce-paste',
      redirectUri: PASTE_PAGE,
      callback: { host: '127.0.0.1', path: '/callback' },
    }),
  );
});
afterAll(async () => {
  await server.close();
});

/** A paste prompt that never gets an answer and rejects when cancelled, like a real prompt. */
function unansweredPrompt(seen: { signal?: AbortSignal }) {
  return (signal: AbortSignal): Promise<string> => {
    seen.signal = signal;
    return new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('prompt cancelled')), { once: true });
    });
  };
}

describe('loopback raced against paste', () => {
  it('gives both URLs the same state and PKCE challenge, with their own redirect', async () => {
    let urls: RacedAuthorizationUrls | undefined;
    let page: Promise<AuthorizationResult> | undefined;
    await runRacedFlow(provider, {
      ports: { from: 0, to: 0 },
      onAuthorizationUrls: (shown) => {
        urls = shown;
        page = server.completeAuthorization(shown.browser);
      },
      readPastedCode: unansweredPrompt({}),
    });
    await page;
    const { browser, paste } = urls!;
    for (const name of ['state', 'code_challenge', 'scope', 'client_id']) {
      expect(paste.searchParams.get(name)).toBe(browser.searchParams.get(name));
    }
    expect(paste.searchParams.get('redirect_uri')).toBe(PASTE_PAGE);
    expect(browser.searchParams.get('redirect_uri')).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/callback$/,
    );
  });

  it('loopback first: the browser callback wins and the paste prompt is cancelled', async () => {
    const prompt: { signal?: AbortSignal } = {};
    let winner: string | undefined;
    let page: Promise<AuthorizationResult> | undefined;
    let port = 0;
    const token = await runRacedFlow(provider, {
      ports: { from: 0, to: 0 },
      onAuthorizationUrls: ({ browser }) => {
        port = Number(new URL(browser.searchParams.get('redirect_uri')!).port);
        page = server.completeAuthorization(browser, { account: 'via-loopback' });
      },
      readPastedCode: unansweredPrompt(prompt),
      onWinner: (w) => {
        winner = w;
      },
    });
    expect(winner).toBe('loopback');
    expect(prompt.signal?.aborted).toBe(true);
    expect(await introspect(server, token.access_token)).toMatchObject({ sub: 'via-loopback' });
    expect((await page!).callbackStatus).toBe(200);
    expect(await portIsFree(port)).toBe(true);
  });

  it('paste first: the pasted code wins, a stray callback meanwhile is refused, the port is freed', async () => {
    let urls: RacedAuthorizationUrls | undefined;
    let winner: string | undefined;
    let strayStatus = 0;
    const token = await runRacedFlow(provider, {
      ports: { from: 0, to: 0 },
      onAuthorizationUrls: (shown) => {
        urls = shown;
      },
      readPastedCode: async () => {
        const loopback = urls!.browser.searchParams.get('redirect_uri')!;
        strayStatus = (await fetch(`${loopback}?error=access_denied`)).status;
        const { callbackUrl } = await server.completeAuthorization(urls!.paste, {
          account: 'via-paste',
          deliver: false,
        });
        const code = callbackUrl.searchParams.get('code');
        return `'${code}#${callbackUrl.searchParams.get('state')}'\n`;
      },
      onWinner: (w) => {
        winner = w;
      },
    });
    expect(winner).toBe('paste');
    expect(strayStatus).toBe(400);
    expect(await introspect(server, token.access_token)).toMatchObject({ sub: 'via-paste' });
    const port = Number(new URL(urls!.browser.searchParams.get('redirect_uri')!).port);
    expect(await portIsFree(port)).toBe(true);
  });
});
