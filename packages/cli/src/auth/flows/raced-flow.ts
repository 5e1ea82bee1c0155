// The browser login Claude Code does: one PKCE login with two redirect URIs. The browser gets the
// loopback one; the person also sees the provider's paste page URL. Whichever answer arrives first
// wins: a callback closes the paste prompt (its signal aborts), a paste closes the listener.
import { abortReason, systemClock, type OAuthToken } from '@baton/core';
import { OAuthFlowError } from './errors.js';
import type { ResolvedProvider } from './oauth-client.js';
import {
  buildPkceAuthorizationRequest,
  callbackFromPaste,
  completeLoopbackLogin,
  createPkceSecrets,
  exchangeCode,
  listenForLogin,
  promptSignal,
  withDeadline,
  type LoopbackFlowOptions,
} from './pkce-flow.js';

export interface RacedAuthorizationUrls {
  /** Open this one in the browser: it redirects to our loopback listener. */
  browser: URL;
  /** Show this one: it ends on the provider's page that displays `code#state` to paste. */
  paste: URL;
}

export interface RacedFlowOptions extends Omit<LoopbackFlowOptions, 'onAuthorizationUrl'> {
  /** Called once with both URLs, before anything is awaited. */
  onAuthorizationUrls: (urls: RacedAuthorizationUrls) => void | Promise<void>;
  /** Resolves with what the person pasted; must stop reading when the signal aborts. */
  readPastedCode: (signal: AbortSignal) => Promise<string>;
  /** Told which answer won, e.g. to print "signed in from the browser". */
  onWinner?: (winner: 'loopback' | 'paste') => void;
}

/** Loopback callback raced against the paste prompt; the loser is cancelled, the port is freed. */
export async function runRacedFlow(
  provider: ResolvedProvider,
  options: RacedFlowOptions,
): Promise<OAuthToken> {
  const clock = options.clock ?? systemClock;
  const pasteRedirect = provider.config.redirectUri;
  if (!pasteRedirect) throw new OAuthFlowError('the raced login needs a paste redirectUri');
  if (options.signal?.aborted) throw abortReason(options.signal);
  const secrets = createPkceSecrets();
  const listener = await listenForLogin(provider, secrets.state, { ...options, clock });
  const reading = promptSignal(options.signal);
  const exchangeOptions = { ...options, clock };
  try {
    const browser = await buildPkceAuthorizationRequest(provider, listener.redirectUri, secrets);
    const paste = await buildPkceAuthorizationRequest(provider, pasteRedirect, secrets);
    const login = (async () => {
      await options.onAuthorizationUrls({ browser: browser.url, paste: paste.url });
      const pasted = options.readPastedCode(reading.signal).then((text) => ({ text }));
      // The losing side settles later (an aborted prompt rejects): nobody may see that as unhandled.
      pasted.catch(() => undefined);
      const winner = await Promise.race([listener.callback.then(() => undefined), pasted]);
      if (winner === undefined) {
        reading.stop();
        options.onWinner?.('loopback');
        return completeLoopbackLogin(provider, listener, secrets, exchangeOptions);
      }
      await listener.close();
      options.onWinner?.('paste');
      const callbackUrl = callbackFromPaste(provider, winner.text, secrets.state);
      return exchangeCode(provider, callbackUrl, secrets, exchangeOptions);
    })();
    return await withDeadline(login, clock, options);
  } finally {
    reading.stop();
    await listener.close();
  }
}
