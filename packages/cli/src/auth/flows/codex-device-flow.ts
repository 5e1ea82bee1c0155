// The Codex headless login (`codex login --device-auth`), which is not RFC 8628 (openai/codex
// `codex-rs/login/src/device_code_auth.rs`): POST {client_id} to /api/accounts/deviceauth/usercode,
// show the code and https://auth.openai.com/codex/device, poll /api/accounts/deviceauth/token with
// {device_auth_id, user_code} (403/404 while pending) until it hands out an authorization code and
// its PKCE verifier, then exchange those at the token endpoint with the deviceauth redirect URI.
import * as client from 'openid-client';
import { abortReason, accountIdFromIdToken, systemClock, type OAuthToken } from '@baton/core';
import {
  backedOffInterval,
  DEFAULT_DEVICE_FLOW_TIMEOUT_MS,
  DEFAULT_DEVICE_POLL_INTERVAL_MS,
  type DeviceFlowOptions,
  type PendingDeviceAuthorization,
} from './device-flow.js';
import { AuthorizationTimeoutError, DeviceFlowExpiredError, OAuthFlowError } from './errors.js';
import { describeOAuthFailure, failureFields, failureSummary } from './failure.js';
import { openidConfiguration, toOAuthToken, type ResolvedProvider } from './oauth-client.js';

const MS_PER_SECOND = 1000;
const HTTP_FORBIDDEN = 403;
const HTTP_NOT_FOUND = 404;
const HTTP_TOO_MANY_REQUESTS = 429;
const HTTP_SERVER_ERROR_MIN = 500;
/** The Codex CLI tells the person the code expires in 15 minutes and stops polling then. */
export const CODEX_DEVICE_CODE_LIFETIME_MS = 15 * 60_000;

/** The deviceauth URLs of a Codex issuer (e.g. https://auth.openai.com). */
export function codexDeviceUrls(issuer: string): {
  userCode: string;
  token: string;
  verification: string;
  redirect: string;
} {
  const base = issuer.replace(/\/+$/, '');
  return {
    userCode: `${base}/api/accounts/deviceauth/usercode`,
    token: `${base}/api/accounts/deviceauth/token`,
    verification: `${base}/codex/device`,
    redirect: `${base}/deviceauth/callback`,
  };
}

type Json = Record<string, unknown>;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** The interval comes as a string of seconds ("5"); a number is taken too. */
function intervalSeconds(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

async function postJson(
  url: string,
  body: Json,
  options: DeviceFlowOptions,
): Promise<{ status: number; body: Json; retryAfter: string | null }> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    return { status: 0, body: { cause: error }, retryAfter: null };
  }
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    parsed = undefined;
  }
  const json = typeof parsed === 'object' && parsed !== null ? (parsed as Json) : {};
  return { status: response.status, body: json, retryAfter: response.headers.get('retry-after') };
}

/** Starts a Codex device login; the pending login has the same shape as an RFC 8628 one. */
export async function startCodexDeviceLogin(
  provider: ResolvedProvider,
  options: DeviceFlowOptions = {},
): Promise<PendingDeviceAuthorization> {
  const clock = options.clock ?? systemClock;
  const issuer = provider.config.endpoints?.issuer ?? provider.serverMetadata.issuer;
  const urls = codexDeviceUrls(issuer);
  const started = await postJson(urls.userCode, { client_id: provider.config.clientId }, options);
  if (started.status === HTTP_NOT_FOUND) {
    throw new OAuthFlowError(
      'device code login is not enabled for this Codex server; use the browser login',
      { status: HTTP_NOT_FOUND },
    );
  }
  const deviceAuthId = text(started.body.device_auth_id);
  // device_code_auth.rs accepts both spellings of the user code.
  const userCode = text(started.body.user_code) ?? text(started.body.usercode);
  if (started.status < 200 || started.status >= 300 || !deviceAuthId || !userCode) {
    throw new OAuthFlowError(
      `the Codex device code request failed (${started.status === 0 ? 'no answer' : `HTTP ${started.status}`})`,
      started.status ? { status: started.status } : {},
    );
  }

  const startedAt = clock.now();
  const expiresAt = startedAt + CODEX_DEVICE_CODE_LIFETIME_MS;
  const timeoutAt = startedAt + (options.timeoutMs ?? DEFAULT_DEVICE_FLOW_TIMEOUT_MS);
  const serverInterval = intervalSeconds(started.body.interval);
  const state = {
    intervalMs:
      options.intervalMs ??
      (serverInterval !== undefined
        ? serverInterval * MS_PER_SECOND
        : DEFAULT_DEVICE_POLL_INTERVAL_MS),
  };

  const exchange = async (code: string, codeVerifier: string): Promise<OAuthToken> => {
    try {
      const tokens = await client.genericGrantRequest(
        openidConfiguration(provider, options),
        'authorization_code',
        { code, redirect_uri: urls.redirect, code_verifier: codeVerifier },
      );
      const token = toOAuthToken(tokens, clock);
      // The ChatGPT account this login belongs to, kept with the token for the account header.
      const idToken = text((token as Json).id_token);
      const account = idToken ? accountIdFromIdToken(idToken) : undefined;
      return account ? { ...token, account_id: account } : token;
    } catch (error) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      const failure = describeOAuthFailure(error, clock);
      if (failure.blocked) throw failure.blocked;
      throw new OAuthFlowError(
        `the Codex device code exchange failed (${failureSummary(failure)})`,
        failureFields(failure, error),
      );
    }
  };

  const waitForToken = async (): Promise<OAuthToken> => {
    for (;;) {
      await clock.sleep(state.intervalMs, options.signal);
      const now = clock.now();
      // The code's own lifetime first: at 15 minutes both limits fall together, and "expired" is
      // what the person needs to hear.
      if (now >= expiresAt) throw new DeviceFlowExpiredError();
      if (now >= timeoutAt) throw new AuthorizationTimeoutError(timeoutAt - startedAt);
      const poll = await postJson(
        urls.token,
        { device_auth_id: deviceAuthId, user_code: userCode },
        options,
      );
      if (poll.status >= 200 && poll.status < 300) {
        const code = text(poll.body.authorization_code);
        const verifier = text(poll.body.code_verifier);
        if (!code || !verifier)
          throw new OAuthFlowError('the Codex device token answer has no authorization code');
        return exchange(code, verifier);
      }
      // Still waiting for the person: the Codex CLI keeps polling on 403 and 404.
      if (poll.status === HTTP_FORBIDDEN || poll.status === HTTP_NOT_FOUND) continue;
      if (
        poll.status === 0 ||
        poll.status === HTTP_TOO_MANY_REQUESTS ||
        poll.status >= HTTP_SERVER_ERROR_MIN
      ) {
        const retry = Number(poll.retryAfter);
        const retryAfterMs = Number.isFinite(retry) ? retry * MS_PER_SECOND : undefined;
        state.intervalMs = backedOffInterval(state.intervalMs, retryAfterMs);
        continue;
      }
      throw new OAuthFlowError(`the Codex device login failed (HTTP ${poll.status})`, {
        status: poll.status,
      });
    }
  };

  return {
    userCode,
    verificationUri: urls.verification,
    expiresAt,
    get intervalMs() {
      return state.intervalMs;
    },
    waitForToken,
  };
}
