// Device authorization grant (RFC 8628): one device-authorization request, then one token request
// per poll, paced by our own clock so tests can drive time; slow_down adds 5 s, and a transient
// failure (5xx, 429, no answer) doubles the wait up to a minute instead of ending the login (§3.5).
import * as client from 'openid-client';
import { abortReason, systemClock, type Clock, type OAuthToken } from '@baton/core';
import {
  AuthorizationTimeoutError,
  DeviceFlowDeniedError,
  DeviceFlowExpiredError,
  OAuthFlowError,
} from './errors.js';
import {
  describeOAuthFailure,
  failureFields,
  failureSummary,
  type OAuthFailure,
} from './failure.js';
import {
  openidConfiguration,
  toOAuthToken,
  type RequestOptions,
  type ResolvedProvider,
} from './oauth-client.js';
import type { ProviderConfig } from './provider-config.js';

export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.2: poll every 5 s when the server names no interval. */
export const DEFAULT_DEVICE_POLL_INTERVAL_MS = 5_000;
/** RFC 8628 §3.5: each slow_down adds 5 s to the interval. */
export const SLOW_DOWN_INCREMENT_MS = 5_000;
/** RFC 8628 §3.5: back off on transient failures, doubling the interval, but never past this. */
export const MAX_DEVICE_BACKOFF_MS = 60_000;
const HTTP_TOO_MANY_REQUESTS = 429;
const HTTP_SERVER_ERROR_MIN = 500;
/** Upper bound on the whole wait, whatever the server's expires_in says. */
export const DEFAULT_DEVICE_FLOW_TIMEOUT_MS = 15 * 60_000;
const MS_PER_SECOND = 1000;

export interface DeviceFlowOptions extends RequestOptions {
  clock?: Clock;
  /** Overall limit on waiting for approval. */
  timeoutMs?: number;
  /** Poll interval to use instead of the server's (tests); slow_down still adds to it. */
  intervalMs?: number;
}

/** What to show the person, and how to wait for their approval. */
export interface PendingDeviceAuthorization {
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete?: string;
  /** Epoch ms at which the device code expires. */
  readonly expiresAt: number;
  /** The interval the next poll will wait (ms). */
  readonly intervalMs: number;
  /** Polls until approval; rejects with a typed error on denial, expiry, timeout or abort. */
  waitForToken(): Promise<OAuthToken>;
}

/** A poll failure worth waiting out: no answer, 429, or a 5xx (JSON or a proxy's HTML page). */
function isTransientPollFailure(failure: OAuthFailure): boolean {
  if (failure.unreachable || failure.error === 'temporarily_unavailable') return true;
  const status = failure.status ?? 0;
  return status === HTTP_TOO_MANY_REQUESTS || status >= HTTP_SERVER_ERROR_MIN;
}

/** The interval doubled (at most MAX_DEVICE_BACKOFF_MS, never shorter than before or than Retry-After). */
export function backedOffInterval(intervalMs: number, retryAfterMs?: number): number {
  const doubled = Math.min(intervalMs * 2, MAX_DEVICE_BACKOFF_MS);
  return Math.max(intervalMs, doubled, Math.min(retryAfterMs ?? 0, MAX_DEVICE_BACKOFF_MS));
}

/** The device authorization request body: scopes, plus a PKCE S256 challenge when the provider wants one. */
export async function deviceAuthorizationParams(
  config: ProviderConfig,
): Promise<{ params: Record<string, string>; codeVerifier?: string }> {
  const params: Record<string, string> = {};
  if (config.scopes.length > 0) params.scope = config.scopes.join(' ');
  if (!config.devicePkce) return { params };
  const codeVerifier = client.randomPKCECodeVerifier();
  params.code_challenge = await client.calculatePKCECodeChallenge(codeVerifier);
  params.code_challenge_method = 'S256';
  return { params, codeVerifier };
}

/** Starts the device authorization (with PKCE when the provider wants it, e.g. Qwen). */
export async function startDeviceAuthorization(
  provider: ResolvedProvider,
  options: DeviceFlowOptions = {},
): Promise<PendingDeviceAuthorization> {
  const clock = options.clock ?? systemClock;
  const configuration = openidConfiguration(provider, options);
  const { params, codeVerifier } = await deviceAuthorizationParams(provider.config);
  let response: client.DeviceAuthorizationResponse;
  try {
    response = await client.initiateDeviceAuthorization(configuration, params);
  } catch (error) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    const failure = describeOAuthFailure(error, clock);
    if (failure.blocked) throw failure.blocked;
    throw new OAuthFlowError(
      `the device authorization request failed (${failureSummary(failure)})`,
      failureFields(failure, error),
    );
  }

  const startedAt = clock.now();
  const expiresAt = startedAt + response.expires_in * MS_PER_SECOND;
  const timeoutAt = startedAt + (options.timeoutMs ?? DEFAULT_DEVICE_FLOW_TIMEOUT_MS);
  const pollParams: Record<string, string> = { device_code: response.device_code };
  if (codeVerifier) pollParams.code_verifier = codeVerifier;
  const state = {
    intervalMs:
      options.intervalMs ??
      (response.interval ? response.interval * MS_PER_SECOND : DEFAULT_DEVICE_POLL_INTERVAL_MS),
  };

  const waitForToken = async (): Promise<OAuthToken> => {
    for (;;) {
      // RFC 8628 §3.5: wait the interval before every poll, the first one included.
      await clock.sleep(state.intervalMs, options.signal);
      const now = clock.now();
      if (now >= timeoutAt) throw new AuthorizationTimeoutError(timeoutAt - startedAt);
      if (now >= expiresAt) throw new DeviceFlowExpiredError();
      try {
        const tokens = await client.genericGrantRequest(
          configuration,
          DEVICE_CODE_GRANT_TYPE,
          pollParams,
        );
        return toOAuthToken(tokens, clock);
      } catch (error) {
        if (options.signal?.aborted) throw abortReason(options.signal);
        const failure = describeOAuthFailure(error, clock);
        const code = failure.error;
        if (code === 'authorization_pending') continue;
        if (code === 'slow_down') {
          state.intervalMs += SLOW_DOWN_INCREMENT_MS;
          continue;
        }
        if (code === 'expired_token') throw new DeviceFlowExpiredError({ cause: error });
        if (code === 'access_denied') throw new DeviceFlowDeniedError({ cause: error });
        if (isTransientPollFailure(failure)) {
          state.intervalMs = backedOffInterval(state.intervalMs, failure.retryAfterMs);
          continue;
        }
        if (failure.blocked) throw failure.blocked;
        throw new OAuthFlowError(
          `polling for the device token failed (${failureSummary(failure)})`,
          failureFields(failure, error),
        );
      }
    }
  };

  return {
    userCode: response.user_code,
    verificationUri: response.verification_uri,
    ...(response.verification_uri_complete
      ? { verificationUriComplete: response.verification_uri_complete }
      : {}),
    expiresAt,
    get intervalMs() {
      return state.intervalMs;
    },
    waitForToken,
  };
}
