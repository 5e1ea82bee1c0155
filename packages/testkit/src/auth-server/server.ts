// startAuthorizationServer: a real OAuth 2.0 / OIDC server (oidc-provider, configured by us) on
// 127.0.0.1 for tests, benchmarks and the demo, with counters, fault switches and approval helpers.
import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider';
import { systemClock, type Clock } from '@baton/core';
import { TestBrowser, type AuthorizationResult } from './browser.js';
import { DEVICE_SUCCESS_MARKER, handleInteraction, htmlPage } from './interactions.js';
import { MemoryStore } from './memory-store.js';
import { TokenGate, type RefreshFault, type TokenEndpointCounters } from './token-gate.js';

export const DEFAULT_PUBLIC_CLIENT_ID = 'baton-cli';
export const DEFAULT_ACCOUNT = 'default';
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 300;
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 86_400;
export const DEFAULT_DEVICE_CODE_TTL_SECONDS = 600;
export const DEFAULT_AUTHORIZATION_CODE_TTL_SECONDS = 60;
/** Scopes the server supports besides `openid` and `offline_access`. */
export const DEFAULT_EXTRA_SCOPES = ['profile', 'email', 'model.completion'];
const LOOPBACK_HOST = '127.0.0.1';
/** Loopback redirect registered for native clients; any port is accepted (RFC 8252 §7.3). */
export const LOOPBACK_REDIRECT_URI = `http://${LOOPBACK_HOST}/callback`;
const SECRET_BYTES = 24;
const RSA_MODULUS_BITS = 2048;

let signingKey: JsonWebKey | undefined;
/** One RS256 signing key per process (id tokens), so the server never uses oidc-provider's dev keys. */
function processSigningKey(): JsonWebKey {
  signingKey ??= {
    ...generateKeyPairSync('rsa', { modulusLength: RSA_MODULUS_BITS }).privateKey.export({
      format: 'jwk',
    }),
    kid: 'baton-testkit',
    use: 'sig',
    alg: 'RS256',
  };
  return signingKey;
}

export interface PublicClientOptions {
  clientId: string;
  /** Extra exact redirect URIs (e.g. a paste-code page); loopback `/callback` is always allowed. */
  redirectUris?: string[];
}

export interface AuthorizationServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** The public (PKCE) client baton uses; default `baton-cli`. */
  clientId?: string;
  /** More public clients, e.g. one per provider preset under test. */
  clients?: PublicClientOptions[];
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  deviceCodeTtlSeconds?: number;
  extraScopes?: string[];
  /** Account used when an approval names none. */
  defaultAccount?: string;
  /** Times the injected refresh delays; default the system clock. */
  clock?: Clock;
}

export interface AuthorizationServer {
  readonly issuer: string;
  /** Base URL (same as issuer). */
  readonly url: string;
  readonly port: number;
  readonly clientId: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly deviceAuthorizationEndpoint: string;
  readonly introspectionEndpoint: string;
  readonly revocationEndpoint: string;
  /** A confidential client allowed to introspect any token (for the provider emulator). */
  readonly introspectionClient: { clientId: string; clientSecret: string };
  readonly counters: TokenEndpointCounters;
  refreshCallsFor(refreshToken: string): number;
  resetCounters(): void;
  failNextRefreshes(count: number, fault: RefreshFault): void;
  slowDownNextDevicePolls(count: number): void;
  clearFaults(): void;
  approveDeviceCode(userCode: string, options?: { account?: string }): Promise<void>;
  denyDeviceCode(userCode: string): Promise<void>;
  completeAuthorization(
    authorizationUrl: string | URL,
    options?: { account?: string; deliver?: boolean },
  ): Promise<AuthorizationResult>;
  /** Revokes every grant (and so every token) of an account; returns how many grants. */
  revokeGrant(account: string): number;
  /** Stops listening (connections are cut); state is kept for restart(). */
  close(): Promise<void>;
  /** Listens again on the same port with the same state. */
  restart(): Promise<void>;
}

function publicClient(options: PublicClientOptions): ClientMetadata {
  return {
    client_id: options.clientId,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: [
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ],
    response_types: ['code'],
    redirect_uris: [LOOPBACK_REDIRECT_URI, ...(options.redirectUris ?? [])],
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK_HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function buildConfiguration(
  options: AuthorizationServerOptions,
  store: MemoryStore,
  introspector: { clientId: string; clientSecret: string },
): Configuration {
  const clientId = options.clientId ?? DEFAULT_PUBLIC_CLIENT_ID;
  const clients = [{ clientId }, ...(options.clients ?? [])];
  return {
    adapter: (name: string) => store.adapterFor(name),
    clients: [
      ...clients.map(publicClient),
      {
        client_id: introspector.clientId,
        client_secret: introspector.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    // Expired means expired: the default 15 s tolerance would keep dead tokens alive in tests.
    clockTolerance: 0,
    jwks: { keys: [processSigningKey()] },
    cookies: { keys: [randomBytes(SECRET_BYTES).toString('hex')] },
    scopes: ['openid', 'offline_access', ...(options.extraScopes ?? DEFAULT_EXTRA_SCOPES)],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, name: sub, email: `${sub}@baton.test` }),
    }),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Confidential clients (the emulator) may introspect anything; public ones their own tokens.
        allowedPolicy: (ctx, client, token) =>
          client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client?.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) =>
          client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: (ctx, form, _out, err) => {
          const note = err ? `<p class="error">${err.name}</p>` : '<p>Enter the code</p>';
          ctx.body = htmlPage('Device sign-in', `${note}${form}`);
        },
        userCodeConfirmSource: (ctx, form, _client, _info, userCode) => {
          ctx.body = htmlPage('Confirm device', `<p>Code ${userCode}</p>${form}`);
        },
        successSource: (ctx) => {
          ctx.body = htmlPage('Signed in', `<p id="${DEVICE_SUCCESS_MARKER}">Device signed in</p>`);
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // Refresh tokens without offline_access and consent: baton always wants one.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    pkce: { required: () => true },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
      RefreshToken: options.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
      DeviceCode: options.deviceCodeTtlSeconds ?? DEFAULT_DEVICE_CODE_TTL_SECONDS,
      AuthorizationCode: DEFAULT_AUTHORIZATION_CODE_TTL_SECONDS,
      IdToken: options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
      Grant: options.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
      Session: options.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
      Interaction: DEFAULT_DEVICE_CODE_TTL_SECONDS,
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = htmlPage('Error', `<p class="error">${String(out.error)}</p>`);
    },
  };
}

/** Starts a server on 127.0.0.1 (random port by default). Close it in afterAll. */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<AuthorizationServer> {
  const clock = options.clock ?? systemClock;
  let closing = new AbortController();
  const store = new MemoryStore();
  const gate = new TokenGate(clock, () => closing.signal);
  const defaultAccount = options.defaultAccount ?? DEFAULT_ACCOUNT;
  const introspectionClient = {
    clientId: 'baton-introspector',
    clientSecret: randomBytes(SECRET_BYTES).toString('base64url'),
  };
  // The provider needs the issuer, which needs the port: it is created once the server listens.
  const ready: { provider?: Provider; callback?: ReturnType<Provider['callback']> } = {};
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { provider, callback } = ready;
    if (!provider || !callback) throw new Error('provider not ready');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && (path === '/token' || path.startsWith('/interaction/'))) {
      const body = await readBody(req);
      // oidc-provider reads an already-consumed body from req.body.
      (req as IncomingMessage & { body?: string }).body = body;
      if (path === '/token' && (await gate.intercept(req, res, body))) return;
      if (await handleInteraction(provider, req, res, body, defaultAccount)) return;
    } else if (path.startsWith('/interaction/')) {
      if (await handleInteraction(provider, req, res, '', defaultAccount)) return;
    }
    await callback(req, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(error instanceof Error ? error.message : 'internal error');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listen(server, options.port ?? 0);
  const issuer = `http://${LOOPBACK_HOST}:${port}`;
  const provider = new Provider(issuer, buildConfiguration(options, store, introspectionClient));
  ready.provider = provider;
  ready.callback = provider.callback();

  const browser = new TestBrowser(issuer, defaultAccount);
  let listening = true;

  const close = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    closing.abort();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  };

  return {
    issuer,
    url: issuer,
    port,
    clientId: options.clientId ?? DEFAULT_PUBLIC_CLIENT_ID,
    authorizationEndpoint: `${issuer}/auth`,
    tokenEndpoint: `${issuer}/token`,
    deviceAuthorizationEndpoint: `${issuer}/device/auth`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    introspectionClient,
    counters: gate.counters,
    refreshCallsFor: (token) => gate.refreshCallsFor(token),
    resetCounters: () => gate.resetCounters(),
    failNextRefreshes: (count, fault) => gate.failNextRefreshes(count, fault),
    slowDownNextDevicePolls: (count) => gate.slowDownNextDevicePolls(count),
    clearFaults: () => gate.clearFaults(),
    approveDeviceCode: (userCode, opts) => browser.approveDeviceCode(userCode, opts?.account),
    denyDeviceCode: (userCode) => browser.denyDeviceCode(userCode),
    completeAuthorization: (url, opts) => browser.completeAuthorization(url, opts),
    revokeGrant: (account) => {
      const ids = store.grantIdsForAccount(account);
      for (const id of ids) store.revokeGrantId(id);
      return ids.length;
    },
    close,
    restart: async () => {
      await close();
      closing = new AbortController();
      await listen(server, port);
      listening = true;
    },
  };
}
