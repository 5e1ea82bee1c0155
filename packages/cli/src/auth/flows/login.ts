// One entry point for a login: picks the flow from the provider config (device, loopback, paste, or
// loopback raced against paste), prints the provider's notice first, opens the browser unless told
// not to, and reports which account came back. Returns the token; never stores it.
import { systemClock, type Clock, type OAuthToken } from '@baton/core';
import { loggedInAccount } from './account.js';
import { startCodexDeviceLogin } from './codex-device-flow.js';
import { startDeviceAuthorization } from './device-flow.js';
import type { RequestOptions, ResolvedProvider } from './oauth-client.js';
import { runLoopbackFlow, runPasteFlow } from './pkce-flow.js';
import { loginNotice } from './presets/index.js';
import type { CallbackPorts } from './provider-config.js';
import { runRacedFlow } from './raced-flow.js';

export type LoginRoute = 'device' | 'loopback' | 'paste';

export interface DeviceCodePrompt {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Epoch ms at which the code expires. */
  expiresAt: number;
}

export interface LoginOptions extends RequestOptions {
  clock?: Clock;
  timeoutMs?: number;
  /** false for `--no-browser`: nothing is opened; the URL is printed and the code pasted. */
  browser: boolean;
  /** Opens a URL in the person's browser; a failure is ignored (the URL was printed too). */
  openBrowser: (url: URL) => void | Promise<void>;
  /**
   * Prints a URL. `browser`: the login page (opened for them when possible); `paste`: sign in
   * there and paste the code the page shows.
   */
  showUrl: (url: URL, kind: 'browser' | 'paste') => void | Promise<void>;
  /** Reads the pasted code; must stop when the signal aborts (the browser won the race). */
  readPastedCode: (signal: AbortSignal) => Promise<string>;
  showDeviceCode: (prompt: DeviceCodePrompt) => void | Promise<void>;
  /** Prints the provider's notice (e.g. Anthropic's policy) before any browser opens. */
  showNotice: (text: string) => void | Promise<void>;
  /** Overrides the loopback callback ports (tests). */
  ports?: CallbackPorts;
  /** Device flow only: poll interval instead of the server's (tests). */
  intervalMs?: number;
}

export interface LoginResult {
  token: OAuthToken;
  /** The account the provider says this is (email), when it says. */
  account?: string;
  /** How the login completed. */
  via: LoginRoute;
}

async function tryOpen(options: LoginOptions, url: URL): Promise<void> {
  if (!options.browser) return;
  try {
    await options.openBrowser(url);
  } catch {
    // The URL is printed as well; a missing browser must not end the login.
  }
}

function result(token: OAuthToken, via: LoginRoute): LoginResult {
  const account = loggedInAccount(token);
  return { token, via, ...(account ? { account } : {}) };
}

/** Runs the provider's login flow end to end. */
export async function runLogin(
  provider: ResolvedProvider,
  options: LoginOptions,
): Promise<LoginResult> {
  const clock = options.clock ?? systemClock;
  const { config } = provider;
  const notice = loginNotice(config.name);
  if (notice) await options.showNotice(notice);
  const common = {
    clock,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.requestTimeoutMs !== undefined
      ? { requestTimeoutMs: options.requestTimeoutMs }
      : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.ports ? { ports: options.ports } : {}),
  };

  if (config.flow === 'device') {
    // Codex's device login is its own protocol; its pending login has the RFC 8628 shape.
    const start =
      config.deviceFlow === 'codex-deviceauth' ? startCodexDeviceLogin : startDeviceAuthorization;
    const pending = await start(provider, {
      ...common,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    });
    await options.showDeviceCode({
      userCode: pending.userCode,
      verificationUri: pending.verificationUri,
      ...(pending.verificationUriComplete
        ? { verificationUriComplete: pending.verificationUriComplete }
        : {}),
      expiresAt: pending.expiresAt,
    });
    await tryOpen(options, new URL(pending.verificationUriComplete ?? pending.verificationUri));
    return result(await pending.waitForToken(), 'device');
  }

  if (config.flow === 'pkce-loopback') {
    const token = await runLoopbackFlow(provider, {
      ...common,
      onAuthorizationUrl: async (url) => {
        await options.showUrl(url, 'browser');
        await tryOpen(options, url);
      },
    });
    return result(token, 'loopback');
  }

  // pkce-paste: with a loopback callback configured and a browser, the two race (Claude Code's way).
  if (config.callback && options.browser) {
    let via: LoginRoute = 'paste';
    const token = await runRacedFlow(provider, {
      ...common,
      readPastedCode: options.readPastedCode,
      onWinner: (winner) => {
        via = winner;
      },
      onAuthorizationUrls: async ({ browser, paste }) => {
        await options.showUrl(paste, 'paste');
        await tryOpen(options, browser);
      },
    });
    return result(token, via);
  }
  const token = await runPasteFlow(provider, {
    ...common,
    readPastedCode: options.readPastedCode,
    onAuthorizationUrl: async (url) => {
      await options.showUrl(url, 'paste');
      await tryOpen(options, url);
    },
  });
  return result(token, 'paste');
}
