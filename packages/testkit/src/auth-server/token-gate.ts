// Sits in front of oidc-provider's token endpoint: counts calls by grant type and by (hashed) refresh
// token, and plays the fault switches (failed, slow or dropped refreshes; slow_down on device polls).
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '@baton/core';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const HASH_PREFIX_LENGTH = 16;
const HTTP_BAD_REQUEST = 400;
const HTTP_SERVER_ERROR = 500;

/**
 * What the next refresh does: answer `invalid_grant`, answer 500, wait `delayMs` and then reach the
 * real token endpoint (so a client that gave up never sees the rotated token), or drop the socket.
 */
export type RefreshFault = 'invalid_grant' | 500 | { delayMs: number } | 'drop';

/** Live counters of token-endpoint calls; refresh tokens are keyed by hash, never in clear. */
export interface TokenEndpointCounters {
  total: number;
  byGrantType: Record<string, number>;
  byRefreshTokenHash: Record<string, number>;
}

/** The key under which a refresh token is counted (a SHA-256 prefix, safe to print). */
export function refreshTokenHash(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('hex').slice(0, HASH_PREFIX_LENGTH);
}

export class TokenGate {
  readonly counters: TokenEndpointCounters = { total: 0, byGrantType: {}, byRefreshTokenHash: {} };
  private refreshFaults: RefreshFault[] = [];
  private slowDowns = 0;

  constructor(
    private readonly clock: Clock,
    /** Aborted when the server stops, so pending injected delays end with it. */
    private readonly closing: () => AbortSignal,
  ) {}

  failNextRefreshes(count: number, fault: RefreshFault): void {
    for (let i = 0; i < count; i++) this.refreshFaults.push(fault);
  }

  slowDownNextDevicePolls(count: number): void {
    this.slowDowns += count;
  }

  clearFaults(): void {
    this.refreshFaults = [];
    this.slowDowns = 0;
  }

  resetCounters(): void {
    this.counters.total = 0;
    this.counters.byGrantType = {};
    this.counters.byRefreshTokenHash = {};
  }

  /** Calls made with this refresh token so far. */
  refreshCallsFor(refreshToken: string): number {
    return this.counters.byRefreshTokenHash[refreshTokenHash(refreshToken)] ?? 0;
  }

  /**
   * Counts one token request and applies a pending fault. Returns true when it answered (or dropped)
   * the request itself, false when the request should go on to the provider.
   */
  async intercept(req: IncomingMessage, res: ServerResponse, body: string): Promise<boolean> {
    const params = new URLSearchParams(body);
    const grantType = params.get('grant_type') ?? '(none)';
    this.counters.total += 1;
    this.counters.byGrantType[grantType] = (this.counters.byGrantType[grantType] ?? 0) + 1;

    if (grantType === 'refresh_token') {
      const token = params.get('refresh_token');
      if (token) {
        const key = refreshTokenHash(token);
        this.counters.byRefreshTokenHash[key] = (this.counters.byRefreshTokenHash[key] ?? 0) + 1;
      }
      const fault = this.refreshFaults.shift();
      if (fault === undefined) return false;
      if (fault === 'drop') {
        req.socket.destroy();
        return true;
      }
      if (fault === 'invalid_grant') {
        sendJson(res, HTTP_BAD_REQUEST, {
          error: 'invalid_grant',
          error_description: 'refresh token rejected (fault injected by testkit)',
        });
        return true;
      }
      if (fault === HTTP_SERVER_ERROR) {
        sendJson(res, HTTP_SERVER_ERROR, {
          error: 'server_error',
          error_description: 'fault injected by testkit',
        });
        return true;
      }
      await this.clock.sleep(fault.delayMs, this.closing()).catch(() => undefined);
      return false;
    }

    if (grantType === DEVICE_CODE_GRANT && this.slowDowns > 0) {
      this.slowDowns -= 1;
      sendJson(res, HTTP_BAD_REQUEST, {
        error: 'slow_down',
        error_description: 'polling too fast (fault injected by testkit)',
      });
      return true;
    }
    return false;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
