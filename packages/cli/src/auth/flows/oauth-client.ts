// Builds openid-client configurations for a provider: discovery or explicit endpoints, public-client
// auth, and one custom fetch that carries the flow's AbortSignal and the provider's body quirk.
import * as client from 'openid-client';
import { tokenFromResponse, type Clock, type OAuthToken } from '@baton/core';
import type { ProviderConfig } from './provider-config.js';

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
      [client.customFetch]: quirkFetch(config, undefined, options),
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
  configuration[client.customFetch] = quirkFetch(config, serverMetadata.token_endpoint, options);
  configuration.timeout = (options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) / MS_PER_SECOND;
  const endpoints = [serverMetadata.issuer, serverMetadata.token_endpoint].filter(
    (u): u is string => typeof u === 'string' && u.startsWith('http'),
  );
  if (endpoints.some(isPlainHttp)) client.allowInsecureRequests(configuration);
  return configuration;
}

/** Adds the flow's abort signal to every request and re-encodes token requests as JSON if asked. */
function quirkFetch(
  config: ProviderConfig,
  tokenEndpoint: string | undefined,
  options: RequestOptions,
): client.CustomFetch {
  const fetchImpl = options.fetch ?? fetch;
  return (url, init) => {
    const signals = [init.signal, options.signal].filter((s): s is AbortSignal => s !== undefined);
    let { body } = init;
    const headers = { ...init.headers };
    if (
      config.tokenRequestBody === 'json' &&
      url === tokenEndpoint &&
      body instanceof URLSearchParams
    ) {
      body = JSON.stringify(Object.fromEntries(body));
      headers['content-type'] = 'application/json';
    }
    return fetchImpl(url, {
      ...init,
      body,
      headers,
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
    });
  };
}

/** The token endpoint's answer as an OAuthToken (expiry from the injected clock). */
export function toOAuthToken(response: object, clock: Pick<Clock, 'now'>): OAuthToken {
  return tokenFromResponse({ ...response }, clock);
}

/** openid-client codes for a response that arrived but breaks the protocol (retrying will not help). */
const INVALID_RESPONSE_CODES = new Set([
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_PARSE_ERROR',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON',
  'OAUTH_JWT_CLAIM_COMPARISON',
  'OAUTH_JWT_TIMESTAMP_CHECK',
]);

export interface OAuthFailure {
  /** RFC error code from the body. */
  error?: string;
  status?: number;
  /** The server answered, but not as the protocol requires. */
  invalidResponse?: boolean;
}

/** The RFC error code and HTTP status of an openid-client failure, as far as they are known. */
export function describeOAuthFailure(error: unknown): OAuthFailure {
  if (error instanceof client.ResponseBodyError) {
    return { error: error.error, status: error.status };
  }
  if (error instanceof client.ClientError) {
    if (error.cause instanceof Response) return { status: error.cause.status };
    if (error.code && INVALID_RESPONSE_CODES.has(error.code)) return { invalidResponse: true };
  }
  return {};
}
