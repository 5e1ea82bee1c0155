// OAuthManager refresh across real processes (BEHAVIOR §3, lesson 4): eight child processes on one
// encrypted-file store, one locks dir and one ledger against the testkit authorization server;
// a refresh holder SIGKILLed mid-refresh; and fifty concurrent callers inside one process.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tokenKey, type OAuthToken, type TokenStore } from '@baton/core';
import { startAuthorizationServer, type AuthorizationServer } from '@baton/testkit';
import {
  resolveProvider,
  startDeviceAuthorization,
  type ProviderConfig,
  type ResolvedProvider,
} from '../../src/auth/flows/index.js';
import {
  CooldownLedger,
  FileLock,
  LockRecordSchema,
  createTokenStore,
} from '../../src/auth/storage/index.js';
import { resolvePaths, type BatonPaths } from '../../src/paths.js';
import { introspect, localProvider } from '../flows/helpers.js';
import { bundleFixture, type BundledFixture } from './bundle.js';
import { startManagerChildren, type DoneEvent, type ManagerChild } from './children.js';
import { isRefreshLine, roleOf, testManager } from './manager-setup.js';
import { fingerprint } from './protocol.js';

const PROVIDER = 'local';
const CHILDREN = 8;
/** Seconds left on a stored token: inside the 30 s near-expiry window, still valid at the server. */
const NEAR_EXPIRY_SECONDS = 10;
/** How long the server holds the doomed holder's refresh before executing it. */
const HELD_REFRESH_MS = 3_000;
/** A hold that ends (and so rotates the refresh token) before anyone else tries. */
const SHORT_HOLD_MS = 200;
/** BEHAVIOR §3: a waiter retries at most every ~1.1 s, so a freed lock is taken within 2 s. */
const TAKEOVER_LIMIT_MS = 2_000;
const POLL_MS = 10;

let server: AuthorizationServer;
let config: ProviderConfig;
let resolved: ResolvedProvider;
let root: string;
let paths: BatonPaths;
let store: TokenStore;
let ledger: CooldownLedger;
let bundle: BundledFixture | undefined;
let children: ManagerChild[] = [];
let nextId = 1;

beforeAll(async () => {
  server = await startAuthorizationServer();
  config = localProvider(server);
  resolved = await resolveProvider(config);
  root = await mkdtemp(path.join(tmpdir(), 'baton-manager-xproc-'));
  const env = { BATON_STORE: 'file', BATON_DATA_DIR: path.join(root, 'data') };
  paths = resolvePaths(env);
  store = (await createTokenStore({ env })).store;
  ledger = new CooldownLedger({ file: paths.cooldownsFile, locksDir: paths.locksDir });
  // The key file must exist before eight processes open the store at once.
  await store.save(PROVIDER, 'warm-up', { access_token: 'warm-up', token_type: 'Bearer' });
  const started = Date.now();
  bundle = await bundleFixture('manager-child.ts');
  const bundled = Date.now();
  children = await startManagerChildren(bundle.file, CHILDREN, paths.dataDir, config);
  console.log(
    `manager children: fixture bundled in ${bundled - started} ms, ${CHILDREN} processes ready ${Date.now() - bundled} ms later`,
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(children.map((child) => child.kill()));
  await bundle?.remove();
  await server?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  server.clearFaults();
});

/** A real device-flow login, stored in `bucket` with its expiry moved to near now. */
async function loginNearExpiry(bucket: string): Promise<OAuthToken> {
  const pending = await startDeviceAuthorization(resolved, { intervalMs: 20 });
  const approval = server.approveDeviceCode(pending.userCode, { account: bucket });
  const token = await pending.waitForToken();
  await approval;
  const near = { ...token, expiry: Math.floor(Date.now() / 1000) + NEAR_EXPIRY_SECONDS };
  await store.save(PROVIDER, bucket, near);
  server.resetCounters();
  return near;
}

const refreshGrants = (): number => server.counters.byGrantType.refresh_token ?? 0;

async function until(condition: () => boolean | Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function send(targets: ManagerChild[], op: 'get' | 'force', bucket: string): Promise<DoneEvent[]> {
  const id = nextId++;
  for (const child of targets) child.send({ id, op, provider: PROVIDER, bucket });
  return Promise.all(targets.map((child) => child.result(id)));
}

async function storedToken(bucket: string): Promise<OAuthToken> {
  const token = await store.get(PROVIDER, bucket);
  if (token === null) throw new Error(`nothing stored for ${bucket}`);
  return token;
}

/** Whether the server still accepts a token (an access token, or a refresh token given as a string). */
/** The pid the bucket's lock file names as its holder (the record is for messages only). */
async function lockHolderPid(bucket: string): Promise<number> {
  const file = new FileLock({ dir: paths.locksDir }).lockPath(tokenKey(PROVIDER, bucket));
  return LockRecordSchema.parse(JSON.parse(await readFile(file, 'utf8'))).pid;
}

const isActive = async (token: OAuthToken | string): Promise<boolean> =>
  (await introspect(server, typeof token === 'string' ? token : token.access_token)).active ===
  true;

describe('OAuthManager across processes', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P12
   * @requirement REQ-1598-LK01, REQ-1598-LK03
   */
  it('eight processes asking at once for a near-expiry token cause one refresh grant and all hold the same valid token', async () => {
    const before = await loginNearExpiry('shared');
    const started = Date.now();
    const results = await send(children, 'get', 'shared');
    const wallMs = Math.max(...results.map((r) => r.at)) - started;
    const firstMs = Math.min(...results.map((r) => r.at)) - started;

    const failures = results.filter((r) => !r.ok);
    const invalidGrant = failures.filter((r) => r.error === 'RefreshTokenRevokedError').length;
    console.log(
      `8 processes, one near-expiry bucket: ${refreshGrants()} refresh grant(s), ${invalidGrant} invalid_grant, ` +
        `first token after ${firstMs} ms, all 8 held it after ${wallMs} ms; roles ${results.map((r) => (r.ok ? r.role : r.error)).join(', ')}`,
    );
    expect(failures).toEqual([]);
    expect(refreshGrants()).toBe(1);
    expect(server.counters.total).toBe(1);
    expect(server.refreshCallsFor(before.refresh_token!)).toBe(1);
    expect(invalidGrant).toBe(0);
    expect(await ledger.get(PROVIDER, 'shared')).toBeUndefined();

    const stored = await storedToken('shared');
    const prints = new Set(results.map((r) => (r.ok ? r.fingerprint : '')));
    expect([...prints]).toEqual([fingerprint(stored.access_token)]);
    expect(stored.access_token).not.toBe(before.access_token);
    expect(stored.refresh_token).not.toBe(before.refresh_token);
    expect(results.filter((r) => r.ok && r.role === 'refreshed')).toHaveLength(1);
    expect(new Set(results.map((r) => r.pid)).size).toBe(CHILDREN);
    expect(await isActive(stored)).toBe(true);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P12
   * @requirement REQ-1598-LK01, REQ-1598-LK03
   */
  it('a holder SIGKILLed mid-refresh frees the lock: a waiter refreshes within 2 s, and the request the dead holder left at the server later revokes the grant, which the next refresh reports as needs-login', async () => {
    const before = await loginNearExpiry('killed');
    const [holder, ...waiters] = [children[7]!, children[6]!, children[5]!];
    server.failNextRefreshes(1, { delayMs: HELD_REFRESH_MS });
    const held = send([holder], 'get', 'killed');
    held.catch(() => undefined);
    // The holder's request has reached the token endpoint: it is inside the locked transaction.
    await until(() => refreshGrants() === 1, 10_000);
    const arrivedAt = Date.now();
    expect(await lockHolderPid('killed')).toBe(holder.process.pid);
    const waiting = send(waiters, 'get', 'killed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(refreshGrants()).toBe(1); // the waiters wait on the lock, they do not refresh beside it
    await holder.kill();
    const killedAt = Date.now();

    const results = await waiting;
    const takeoverMs = Math.max(...results.map((r) => r.at)) - killedAt;
    const stored = await storedToken('killed');
    console.log(
      `SIGKILLed refresh holder: waiters held a token ${takeoverMs} ms after the kill; ` +
        `refresh grants ${refreshGrants()} (the dead holder's, still held by the server, and the survivor's)`,
    );
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.filter((r) => r.ok && r.role === 'refreshed')).toHaveLength(1);
    expect(new Set(results.map((r) => (r.ok ? r.fingerprint : '')))).toEqual(
      new Set([fingerprint(stored.access_token)]),
    );
    expect(takeoverMs).toBeLessThan(TAKEOVER_LIMIT_MS);
    expect(refreshGrants()).toBe(2);
    expect(server.refreshCallsFor(before.refresh_token!)).toBe(2);
    expect(stored.refresh_token).not.toBe(before.refresh_token);
    expect(await isActive(stored)).toBe(true);

    // What really happens next: the server executes the dead holder's request once its delay ends.
    // Its refresh token was already spent by the survivor, so the server treats it as reuse and
    // revokes the whole grant (refresh token rotation as the OAuth security BCP describes it), so
    // the survivor's token dies with it. No client can
    // prevent this: the request left before the kill. The manager must then say "needs login".
    await until(
      async () => !(await isActive(stored)),
      arrivedAt + HELD_REFRESH_MS + 5_000 - Date.now(),
    );
    const revokedAfterMs = Date.now() - arrivedAt;
    const [forced] = await send(waiters.slice(0, 1), 'force', 'killed');
    console.log(
      `the dead holder's request revoked the grant ${revokedAfterMs} ms after it arrived; next forced refresh: ${forced!.ok ? 'ok' : forced!.error}`,
    );
    expect(forced).toMatchObject({ ok: false, error: 'RefreshTokenRevokedError' });
    expect(server.refreshCallsFor(stored.refresh_token!)).toBe(1);
    expect(await ledger.get(PROVIDER, 'killed')).toMatchObject({
      reason: 'expired-refresh-failed',
      source: 'until-login',
    });
    // The store keeps the last token (never deleted on a failed refresh); only a login replaces it.
    expect(fingerprint((await storedToken('killed')).access_token)).toBe(
      fingerprint(stored.access_token),
    );
  });

  it('a holder SIGKILLed while the server holds its refresh loses the rotated token once the server executes it: the next process gets invalid_grant, marks needs-login and keeps the stored token', async () => {
    const before = await loginNearExpiry('lost');
    const [holder, survivor] = [children[4]!, children[3]!];
    server.failNextRefreshes(1, { delayMs: SHORT_HOLD_MS });
    send([holder], 'get', 'lost').catch(() => undefined);
    await until(() => refreshGrants() === 1, 10_000);
    await holder.kill();
    // The server now rotates the refresh token for a process that no longer exists: the old one
    // reads as spent once it has.
    await until(async () => !(await isActive(before.refresh_token!)), 10_000);
    const [result] = await send([survivor], 'get', 'lost');
    console.log(
      `rotated refresh token lost with its SIGKILLed holder: next process got ${result!.ok ? 'a token' : result!.error}, ` +
        `refresh calls with the old refresh token ${server.refreshCallsFor(before.refresh_token!)}`,
    );
    expect(result).toMatchObject({ ok: false, error: 'RefreshTokenRevokedError' });
    expect(result).not.toHaveProperty('message', expect.stringContaining(before.refresh_token!));
    expect(server.refreshCallsFor(before.refresh_token!)).toBe(2);
    expect(refreshGrants()).toBe(2);
    expect(await ledger.get(PROVIDER, 'lost')).toMatchObject({
      reason: 'expired-refresh-failed',
      source: 'until-login',
    });
    expect(await storedToken('lost')).toEqual(before);
  });
});

describe('OAuthManager in one process', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P12
   * @requirement REQ-1598-LK04
   */
  it('fifty concurrent getOAuthToken calls on a near-expiry bucket share one in-flight refresh', async () => {
    const before = await loginNearExpiry('single');
    const { manager, lines } = testManager({ store, ledger, locksDir: paths.locksDir, config });
    const started = Date.now();
    const tokens = await Promise.all(
      Array.from({ length: 50 }, () => manager.getOAuthToken(PROVIDER, 'single')),
    );
    console.log(
      `50 concurrent calls in one process: ${refreshGrants()} refresh grant(s) in ${Date.now() - started} ms`,
    );
    expect(refreshGrants()).toBe(1);
    expect(server.refreshCallsFor(before.refresh_token!)).toBe(1);
    expect(new Set(tokens.map((t) => t?.access_token))).toEqual(
      new Set([(await storedToken('single')).access_token]),
    );
    expect(tokens[0]!.access_token).not.toBe(before.access_token);
    expect(lines.filter(isRefreshLine)).toHaveLength(1);
    // The other 49 shared the in-flight promise: none took the lock and re-read after it.
    expect(lines.map((line) => roleOf([line])).filter((role) => role === 'reused-other')).toEqual(
      [],
    );
    expect(await isActive(tokens[0]!)).toBe(true);
    manager.dispose();
  });
});
