// Authorization code + PKCE S256 (RFC 7636): the loopback variant catches the redirect on
// 127.0.0.1 (only the callback with this login's state counts); the paste variant asks the person
// for the code shown on the provider's own page. Both share the request, exchange and deadline.
import * as client from 'openid-client';
import { abortReason, systemClock, type Clock, type OAuthToken } from '@baton/core';
import {
  AuthorizationDeniedError,
  AuthorizationTimeoutError,
  OAuthFlowError,
  StateMismatchError,
} from './errors.js';
import { describeOAuthFailure, failureFields, failureSummary } from './failure.js';
import { listenForCallback, sameState, type CallbackListener } from './loopback-listener.js';
import {
  openidConfiguration,
  toOAuthToken,
  type RequestOptions,
  type ResolvedProvider,
} from './oauth-client.js';
import { parsePastedCode } from './pasted-code.js';
import {
  DEFAULT_CALLBACK_PATH,
  DEFAULT_CALLBACK_PORTS,
  type CallbackPorts,
} from './provider-config.js';

/** How long a person gets to finish the browser login. */
export const DEFAULT_AUTHORIZATION_TIMEOUT_MS = 5 * 60_000;
const HTTP_OK = 200;
const HTTP_BAD_REQUEST = 400;

export interface PkceFlowOptions extends RequestOptions {
  clock?: Clock;
  timeoutMs?: number;
  /** Called once with the URL to open (browser) or print. */
  onAuthorizationUrl: (url: URL) => void | Promise<void>;
}

export interface LoopbackFlowOptions extends PkceFlowOptions {
  /** Overrides the provider's callback ports (e.g. tests). */
  ports?: CallbackPorts;
}

export interface PasteFlowOptions extends PkceFlowOptions {
  /** Resolves with what the person pasted: the code, `code#state`, or the whole redirect URL. */
  readPastedCode: (signal: AbortSignal) => Promise<string>;
}

/** The secrets of one login: the PKCE verifier and the state, shared by every URL of that login. */
export interface PkceSecrets {
  verifier: string;
  state: string;
}

export interface PkceRequest extends PkceSecrets {
  url: URL;
}

export function createPkceSecrets(): PkceSecrets {
  return { verifier: client.randomPKCECodeVerifier(), state: client.randomState() };
}

/** The authorization URL for a redirect URI, with PKCE S256, state, scopes and provider extras. */
export async function buildPkceAuthorizationRequest(
  provider: ResolvedProvider,
  redirectUri: string,
  secrets: PkceSecrets = createPkceSecrets(),
): Promise<PkceRequest> {
  const { verifier, state } = secrets;
  const { config } = provider;
  const url = client.buildAuthorizationUrl(openidConfiguration(provider), {
    ...config.authorizationParams,
    redirect_uri: redirectUri,
    response_type: 'code',
    ...(config.scopes.length > 0 ? { scope: config.scopes.join(' ') } : {}),
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  return { verifier, state, url };
}

/** A signal for the paste prompt: aborted with the flow's signal, and by `stop()` when the flow ends. */
export function promptSignal(parent: AbortSignal | undefined): {
  signal: AbortSignal;
  stop: () => void;
} {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  parent?.addEventListener('abort', abort, { once: true });
  if (parent?.aborted) abort();
  return {
    signal: controller.signal,
    stop: () => {
      parent?.removeEventListener('abort', abort);
      abort();
    },
  };
}

/** Settles with `work`, or rejects on timeout (clock) or abort; always clears its own timer. */
export async function withDeadline<T>(
  work: Promise<T>,
  clock: Clock,
  options: { timeoutMs?: number; signal?: AbortSignal },
): Promise<T> {
  const { signal } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_AUTHORIZATION_TIMEOUT_MS;
  const timer = new AbortController();
  const onAbort = (): void => timer.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) timer.abort();
  const deadline = clock.sleep(timeoutMs, timer.signal).then(
    () => {
      throw new AuthorizationTimeoutError(timeoutMs);
    },
    () => {
      if (signal?.aborted) throw abortReason(signal);
      return new Promise<never>(() => undefined);
    },
  );
  try {
    return await Promise.race([work, deadline]);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    timer.abort();
  }
}

/**
 * Exchanges the code of a callback URL. The state is checked before `error`, so only an answer that
 * belongs to this login can end it, with a code or with a refusal.
 */
export async function exchangeCode(
  provider: ResolvedProvider,
  callbackUrl: URL,
  request: PkceSecrets,
  options: RequestOptions & { clock: Clock },
): Promise<OAuthToken> {
  if (!sameState(callbackUrl.searchParams.get('state'), request.state)) {
    throw new StateMismatchError();
  }
  const error = callbackUrl.searchParams.get('error');
  if (error) {
    const description = callbackUrl.searchParams.get('error_description');
    throw new AuthorizationDeniedError(
      `the authorization server refused the login: ${error}${description ? ` (${description})` : ''}`,
      { error, ...(description ? { description } : {}) },
    );
  }
  const tokenParams: Record<string, string> = provider.config.stateInTokenRequest
    ? { state: request.state }
    : {};
  try {
    const tokens = await client.authorizationCodeGrant(
      openidConfiguration(provider, options),
      callbackUrl,
      { pkceCodeVerifier: request.verifier, expectedState: request.state },
      tokenParams,
    );
    return toOAuthToken(tokens, options.clock);
  } catch (failure) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    const described = describeOAuthFailure(failure, options.clock);
    if (described.blocked) throw described.blocked;
    throw new OAuthFlowError(
      `exchanging the authorization code failed (${failureSummary(described)})`,
      failureFields(described, failure),
    );
  }
}

/**
 * Opens the provider's loopback listener, accepting only callbacks that carry `state`; a provider
 * with `cancelPrevious` takes a busy port over from an earlier login first.
 */
export function listenForLogin(
  provider: ResolvedProvider,
  state: string,
  options: { ports?: CallbackPorts; clock?: Clock; signal?: AbortSignal } = {},
): Promise<CallbackListener> {
  const callback = provider.config.callback;
  return listenForCallback({
    host: callback?.host ?? '127.0.0.1',
    path: callback?.path ?? DEFAULT_CALLBACK_PATH,
    ports: options.ports ?? callback?.ports ?? DEFAULT_CALLBACK_PORTS,
    cancelPrevious: callback?.cancelPrevious === true,
    expectedState: state,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** Waits for the listener's callback, exchanges it and tells the browser how it went. */
export async function completeLoopbackLogin(
  provider: ResolvedProvider,
  listener: CallbackListener,
  secrets: PkceSecrets,
  options: RequestOptions & { clock: Clock },
): Promise<OAuthToken> {
  const received = await listener.callback;
  try {
    const token = await exchangeCode(provider, received.url, secrets, options);
    received.respond(HTTP_OK, 'Signed in', 'baton has your login. You can close this window.');
    return token;
  } catch (error) {
    received.respond(HTTP_BAD_REQUEST, 'Login failed', 'Return to the terminal for details.');
    throw error;
  }
}

/** Browser login with a callback on 127.0.0.1; returns the token (never stores it). */
export async function runLoopbackFlow(
  provider: ResolvedProvider,
  options: LoopbackFlowOptions,
): Promise<OAuthToken> {
  const clock = options.clock ?? systemClock;
  if (options.signal?.aborted) throw abortReason(options.signal);
  const secrets = createPkceSecrets();
  const listener = await listenForLogin(provider, secrets.state, { ...options, clock });
  try {
    const request = await buildPkceAuthorizationRequest(provider, listener.redirectUri, secrets);
    const login = (async () => {
      await options.onAuthorizationUrl(request.url);
      return completeLoopbackLogin(provider, listener, secrets, { ...options, clock });
    })();
    return await withDeadline(login, clock, options);
  } finally {
    await listener.close();
  }
}

/** Reads what the person pasted into a callback URL under the provider's redirect URI. */
export function callbackFromPaste(
  provider: ResolvedProvider,
  pasted: string,
  expectedState: string,
): URL {
  const params = parsePastedCode(pasted);
  const callbackUrl = new URL(provider.config.redirectUri ?? 'urn:invalid');
  for (const [key, value] of params) callbackUrl.searchParams.set(key, value);
  if (!params.has('state')) callbackUrl.searchParams.set('state', expectedState);
  const issuer = provider.serverMetadata.issuer;
  if (
    !params.has('iss') &&
    provider.serverMetadata.authorization_response_iss_parameter_supported === true
  ) {
    // The person pasted only the code; the server it came from is the one we sent them to.
    callbackUrl.searchParams.set('iss', issuer);
  }
  return callbackUrl;
}

/** Browser login where the person pastes the code back (providers whose redirect is their own page). */
export async function runPasteFlow(
  provider: ResolvedProvider,
  options: PasteFlowOptions,
): Promise<OAuthToken> {
  const clock = options.clock ?? systemClock;
  const redirectUri = provider.config.redirectUri;
  if (!redirectUri) throw new OAuthFlowError('the paste-code flow needs a redirectUri');
  const request = await buildPkceAuthorizationRequest(provider, redirectUri);
  const reading = promptSignal(options.signal);
  try {
    const login = (async () => {
      await options.onAuthorizationUrl(request.url);
      const pasted = await options.readPastedCode(reading.signal);
      const callbackUrl = callbackFromPaste(provider, pasted, request.state);
      return exchangeCode(provider, callbackUrl, request, { ...options, clock });
    })();
    return await withDeadline(login, clock, options);
  } finally {
    reading.stop();
  }
}
