// Builds openid-client configurations for a provider: discovery or explicit endpoints, public-client
// auth, and one custom fetch that carries the flow's AbortSignal and the provider's body quirk.
import * as client from 'openid-client';
import { tokenFromResponse, type Clock, type OAuthToken } from '@baton/core';
import type { ProviderConfig } from './provider-config.js';
import { normaliseTokenEndpointResponse } from './token-response.js';

/** Per-request time limit for calls to the authorization server. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const MS_PER_SECOND = 1000;

export interface RequestOptions {
  signal?: AbortSignal;
  /** Replaces global fetch (e.g. a proxy-aware one). */
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
}

/** A provider whose server metadata is known (after discovery, or from its explicit endpoints). */
export interface ResolvedProvider {
  readonly config: ProviderConfig;
  readonly serverMetadata: client.ServerMetadata;
}

const isPlainHttp = (url: string): boolean => new URL(url).protocol === 'http:';

/** Explicit endpoints need no network; an issuer is discovered (RFC 8414 / OIDC discovery). */
export async function resolveProvider(
  config: ProviderConfig,
  options: RequestOptions = {},
): Promise<ResolvedProvider> {
  if (config.endpoints) {
    const e = config.endpoints;
    const metadata: client.ServerMetadata = {
      issuer: e.issuer ?? new URL(e.token).origin,
      token_endpoint: e.token,
      ...(e.authorization ? { authorization_endpoint: e.authorization } : {}),
      ...(e.deviceAuthorization ? { device_authorization_endpoint: e.deviceAuthorization } : {}),
      ...(e.revocation ? { revocation_endpoint: e.revocation } : {}),
    };
    return { config, serverMetadata: metadata };
  }
  const issuer = config.issuer ?? '';
  const discovered = await client.discovery(
    new URL(issuer),
    config.clientId,
    undefined,
    clientAuth(config),
    {
      [client.customFetch]: quirkFetch(config, {}, options),
      ...(isPlainHttp(issuer) ? { execute: [client.allowInsecureRequests] } : {}),
      timeout: (options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) / MS_PER_SECOND,
    },
  );
  return { config, serverMetadata: { ...discovered.serverMetadata() } };
}

function clientAuth(config: ProviderConfig): client.ClientAuth {
  return config.clientSecret ? client.ClientSecretPost(config.clientSecret) : client.None();
}

/** A fresh openid-client Configuration bound to one flow's signal and fetch. */
export function openidConfiguration(
  provider: ResolvedProvider,
  options: RequestOptions = {},
): client.Configuration {
  const { config, serverMetadata } = provider;
  const configuration = new client.Configuration(
    serverMetadata,
    config.clientId,
    undefined,
    clientAuth(config),
  );
  configuration[client.customFetch] = quirkFetch(
    config,
    {
      token: serverMetadata.token_endpoint,
      deviceAuthorization: serverMetadata.device_authorization_endpoint,
    },
    options,
  );
  configuration.timeout = (options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) / MS_PER_SECOND;
  const endpoints = [serverMetadata.issuer, serverMetadata.token_endpoint].filter(
    (u): u is string => typeof u === 'string' && u.startsWith('http'),
  );
  if (endpoints.some(isPlainHttp)) client.allowInsecureRequests(configuration);
  return configuration;
}

const sameUrl = (a: string, b: string | undefined): boolean => {
  if (b === undefined) return false;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
};

/**
 * Adds the flow's abort signal to every request, re-encodes token requests as JSON if asked, and
 * normalises token and device-authorization answers before openid-client sees them.
 */
function quirkFetch(
  config: ProviderConfig,
  endpoints: { token?: string; deviceAuthorization?: string },
  options: RequestOptions,
): client.CustomFetch {
  const fetchImpl = options.fetch ?? fetch;
  const tokenEndpoint = endpoints.token;
  return async (url, init) => {
    const signals = [init.signal, options.signal].filter((s): s is AbortSignal => s !== undefined);
    let { body } = init;
    const headers = { ...init.headers };
    if (
      config.tokenRequestBody === 'json' &&
      sameUrl(url, tokenEndpoint) &&
      body instanceof URLSearchParams
    ) {
      body = JSON.stringify(Object.fromEntries(body));
      headers['content-type'] = 'application/json';
    }
    const response = await fetchImpl(url, {
      ...init,
      body,
      headers,
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
    });
    const normalise = sameUrl(url, tokenEndpoint) || sameUrl(url, endpoints.deviceAuthorization);
    return normalise ? normaliseTokenEndpointResponse(response, url) : response;
  };
}

/** The token endpoint's answer as an OAuthToken (expiry from the injected clock). */
export function toOAuthToken(response: object, clock: Pick<Clock, 'now'>): OAuthToken {
  return tokenFromResponse({ ...response }, clock);
}
