// Typed failures of the OAuth flows. Each keeps the RFC `error` code when the server sent one, and
// none ever carries a token: messages name what happened and what to do, nothing secret.

export interface OAuthFlowErrorOptions {
  /** The RFC 6749 / 8628 `error` code from the server, when there was one. */
  error?: string;
  /** HTTP status of the failing response, when there was one. */
  status?: number;
  /** The server's `error_description`, already in the message; kept for callers that show it apart. */
  description?: string;
  cause?: unknown;
}

export class OAuthFlowError extends Error {
  override readonly name: string = 'OAuthFlowError';
  readonly error?: string;
  readonly status?: number;
  readonly description?: string;

  constructor(message: string, options: OAuthFlowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.error !== undefined) this.error = options.error;
    if (options.status !== undefined) this.status = options.status;
    if (options.description !== undefined) this.description = options.description;
  }
}

/** The device code expired before the person approved it (`expired_token`, or our own deadline). */
export class DeviceFlowExpiredError extends OAuthFlowError {
  override readonly name = 'DeviceFlowExpiredError';
  constructor(options: OAuthFlowErrorOptions = {}) {
    super('the device code expired before it was approved; start the login again', {
      error: 'expired_token',
      ...options,
    });
  }
}

/** The person declined the device authorization (`access_denied`). */
export class DeviceFlowDeniedError extends OAuthFlowError {
  override readonly name = 'DeviceFlowDeniedError';
  constructor(options: OAuthFlowErrorOptions = {}) {
    super('the device authorization was denied', { error: 'access_denied', ...options });
  }
}

/** The authorization server redirected back with an `error` instead of a code. */
export class AuthorizationDeniedError extends OAuthFlowError {
  override readonly name = 'AuthorizationDeniedError';
}

/** Nobody finished the login within the flow's time limit. */
export class AuthorizationTimeoutError extends OAuthFlowError {
  override readonly name = 'AuthorizationTimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(
      `no authorization arrived within ${Math.round(timeoutMs / 1000)} s; start the login again`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The callback's `state` did not match the one this flow sent (a stale or forged redirect). */
export class StateMismatchError extends OAuthFlowError {
  override readonly name = 'StateMismatchError';
  constructor() {
    super('the authorization response does not belong to this login (state mismatch)');
  }
}

/** No port of the callback range could be bound on 127.0.0.1. */
export class CallbackPortUnavailableError extends OAuthFlowError {
  override readonly name = 'CallbackPortUnavailableError';
}

/**
 * A newer login asked this one's callback server to stop (`GET /cancel`, as the Codex CLI does when
 * it finds the port taken), so this login ends and the newer one takes the port.
 */
export class LoginCancelledError extends OAuthFlowError {
  override readonly name = 'LoginCancelledError';
  constructor() {
    super('this login was cancelled by a newer login that needed its callback port');
  }
}

/**
 * The refresh token is no longer accepted (`invalid_grant`, OpenAI's `refresh_token_reused` /
 * `_expired` / `_invalidated`, or a 401 challenge from the token endpoint): only a new login helps.
 */
export class RefreshTokenRevokedError extends OAuthFlowError {
  override readonly name = 'RefreshTokenRevokedError';
}

export interface TransientRefreshErrorOptions extends OAuthFlowErrorOptions {
  /** How long the server asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number;
}

/** The refresh failed for a reason that may pass: 5xx, 429, network failure or timeout. */
export class TransientRefreshError extends OAuthFlowError {
  override readonly name: string = 'TransientRefreshError';
  readonly retryAfterMs?: number;
  constructor(message: string, options: TransientRefreshErrorOptions = {}) {
    super(message, options);
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The token endpoint answered with something that is not JSON (an HTML page from a proxy, a WAF
 * such as Cloudflare's, or a captive portal). Nothing about the grant is known, so callers treat it
 * as transient; the message names the content type and host so the person can find the culprit.
 */
export class TokenEndpointBlockedError extends OAuthFlowError {
  override readonly name = 'TokenEndpointBlockedError';
  readonly host: string;
  readonly contentType: string;
  constructor(host: string, contentType: string, status: number) {
    super(
      `${host} answered with ${contentType || 'no content type'} (HTTP ${status}) instead of JSON: ` +
        'a proxy, firewall or captive portal may be in the way, or the endpoint moved',
      { status },
    );
    this.host = host;
    this.contentType = contentType;
  }
}

/** What the person pasted is not a code, `code#state` or the redirect URL. */
export class PastedCodeFormatError extends OAuthFlowError {
  override readonly name = 'PastedCodeFormatError';
}

/** A provider preset whose login no longer works (the service behind it was discontinued). */
export class RetiredPresetError extends OAuthFlowError {
  override readonly name = 'RetiredPresetError';
  readonly provider: string;
  constructor(provider: string, message: string) {
    super(message);
    this.provider = provider;
  }
}
