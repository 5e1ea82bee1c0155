// The OAuthManager's refresh path around its edges: the bucket's lock held by another holder, a caller
// giving up, renewal starting from the last token seen, provider discovery done once, the custom fetch
// and a ledger that cannot be written. Real token endpoint (raw HTTP server), fake clock.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAbortError } from '@baton/core';
import { startRawHttpServer, type RawHttpServer } from '@baton/testkit';
import {
  BUCKET,
  INVALID_GRANT,
  PROVIDER,
  TOKEN_PATH,
  issued,
  refreshHarness,
  type RefreshHarness,
} from '../../test/fixtures/refresh-harness.js';
import { driveSleeps } from '../../test/fixtures/drive-sleeps.js';
import { parseProviderConfig } from './flows/index.js';
import { DEFAULT_REFRESH_LOCK_WAIT_MS, RECENT_READ_REUSE_MS } from './oauth-manager.js';
import type { RenewalEvent } from './proactive-renewal.js';
import { CooldownLedger } from './storage/cooldown-ledger.js';
import { FileLock, LockTimeoutError } from './storage/file-lock.js';

const KEY = `${PROVIDER}:${BUCKET}`;
let raw: RawHttpServer;
let h: RefreshHarness;
beforeAll(async () => {
  raw = await startRawHttpServer();
});
afterAll(async () => {
  await raw.close();
});
afterEach(async () => {
  await h.close();
});

/** Another holder of the bucket's lock (a second descriptor conflicts like another process). */
function otherHolder(): FileLock {
  return new FileLock({ dir: h.locksDir, clock: h.clock, random: () => 0.5 });
}

/** Waits (real time: file I/O and HTTP happen in between) until a renewal event of `type` came. */
async function untilEvent(type: RenewalEvent['type']): Promise<void> {
  while (!h.events.some((e) => e.type === type)) await new Promise((r) => setTimeout(r, 2));
}

/** Lets the manager reach its lock wait (real file I/O happens before the first sleep). */
async function untilWaiting(): Promise<void> {
  while (h.clock.pendingSleepers === 0) await new Promise((r) => setTimeout(r, 2));
}

describe('the bucket lock', () => {
  it('a refresh waits for the holder, then gives up after 10 s saying it was refreshing', async () => {
    h = await refreshHarness(raw);
    await h.stored('a', -5);
    const held = await otherHolder().acquire(KEY);
    const error = await driveSleeps(
      h.clock,
      h.manager.getOAuthToken(PROVIDER, BUCKET).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).waitedMs).toBe(DEFAULT_REFRESH_LOCK_WAIT_MS);
    expect((error as Error).message).toContain(
      `another baton process is refreshing ${PROVIDER}/${BUCKET}`,
    );
    await held.release();
    expect(h.tokenRequests()).toEqual([]);
  });

  it('honours refreshLockWaitMs', async () => {
    h = await refreshHarness(raw, { refreshLockWaitMs: 250 });
    await h.stored('a', -5);
    const held = await otherHolder().acquire(KEY);
    const error = await driveSleeps(
      h.clock,
      h.manager.getOAuthToken(PROVIDER, BUCKET).catch((e: unknown) => e),
    );
    expect((error as LockTimeoutError).waitedMs).toBe(250);
    await held.release();
  });

  it('a forced refresh takes the token the holder stored, even one near expiry; a lookup refreshes it', async () => {
    h = await refreshHarness(raw);
    const first = await h.stored('a', 3600);
    let held = await otherHolder().acquire(KEY);
    const forced = h.manager.forceRefresh(PROVIDER, BUCKET, first.access_token);
    await untilWaiting();
    const theirs = await h.stored('theirs', 20);
    await held.release();
    expect(await driveSleeps(h.clock, forced)).toEqual(theirs);
    expect(h.tokenRequests()).toEqual([]);

    await h.clock.advance(RECENT_READ_REUSE_MS + 1);
    await h.stored('b', 20);
    held = await otherHolder().acquire(KEY);
    raw.script(TOKEN_PATH, [issued('c')]);
    const lookup = h.manager.getOAuthToken(PROVIDER, BUCKET);
    await untilWaiting();
    await h.stored('theirs-too', 20);
    await held.release();
    expect((await driveSleeps(h.clock, lookup))?.access_token).toBe('access-token-c');
    expect(h.tokenRequests().map((r) => r.refreshToken)).toEqual(['refresh-token-theirs-too']);
  });
});

describe('after a forced refresh another process had already done', () => {
  it('a lookup at once gets the token the other process stored, never the read of the one that failed', async () => {
    h = await refreshHarness(raw);
    const failed = await h.stored('a', 3600);
    const held = await otherHolder().acquire(KEY);
    const forced = h.manager.forceRefresh(PROVIDER, BUCKET, failed.access_token);
    await untilWaiting();
    const theirs = await h.stored('theirs', 3600);
    await held.release();
    expect(await driveSleeps(h.clock, forced)).toEqual(theirs);
    expect(await h.manager.getOAuthToken(PROVIDER, BUCKET)).toEqual(theirs);
    expect(h.tokenRequests()).toEqual([]);
  });
});

describe('a caller giving up', () => {
  it('an aborted caller starts no refresh', async () => {
    h = await refreshHarness(raw);
    await h.stored('a', -5);
    const error = await h.manager
      .getOAuthToken(PROVIDER, BUCKET, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(h.tokenRequests()).toEqual([]);
  });

  it('a caller that gives up while waiting is released; the refresh still finishes and is stored', async () => {
    h = await refreshHarness(raw);
    await h.stored('a', -5);
    const held = await otherHolder().acquire(KEY);
    raw.script(TOKEN_PATH, [issued('b')]);
    const controller = new AbortController();
    const waiting = h.manager
      .refreshExpired(PROVIDER, BUCKET, (await h.current())!, { signal: controller.signal })
      .catch((e: unknown) => e);
    await untilWaiting();
    controller.abort();
    expect(isAbortError(await waiting)).toBe(true);
    await held.release();
    // The shared refresh goes on: a later caller joins it and gets its token.
    const joined = await driveSleeps(h.clock, h.manager.forceRefresh(PROVIDER, BUCKET));
    expect(joined.access_token).toBe('access-token-b');
    expect(h.tokenRequests()).toHaveLength(1);
  });
});

describe('renewal from the refresh path', () => {
  const types = (events: RenewalEvent[]): string[] => events.map((e) => e.type);

  it('a lookup schedules a renewal once per token; the renewal refreshes early and reschedules', async () => {
    h = await refreshHarness(raw, { renewal: true });
    const token = await h.stored('a', 3600);
    await h.manager.getOAuthToken(PROVIDER, BUCKET);
    await h.manager.getOAuthToken(PROVIDER, BUCKET);
    expect(types(h.events)).toEqual(['scheduled']);
    raw.script(TOKEN_PATH, [issued('b')]);
    await h.clock.advance(3600 * 1000 * 0.8);
    await untilEvent('renewed');
    expect(h.tokenRequests().map((r) => r.refreshToken)).toEqual([token.refresh_token]);
    expect((await h.current())?.access_token).toBe('access-token-b');
    expect(types(h.events)).toEqual(['scheduled', 'fired', 'scheduled', 'renewed']);
    expect(h.log).toContain(`renewal ${PROVIDER}/${BUCKET}: renewed`);
  });

  it('an API key is never scheduled', async () => {
    h = await refreshHarness(raw, { renewal: true });
    await h.manager.saveApiKey(PROVIDER, BUCKET, 'sk-test-key-0123456789');
    await h.manager.getOAuthToken(PROVIDER, BUCKET);
    expect(h.events.filter((e) => e.type === 'scheduled')).toEqual([]);
  });

  it('a renewal of a bucket this process never read reads the store; an empty one fails', async () => {
    h = await refreshHarness(raw, { renewal: true });
    const token = await h.stored('a', 3600);
    h.manager.renewal!.schedule(PROVIDER, BUCKET, token);
    await h.store.remove(PROVIDER, BUCKET);
    await h.clock.advance(3600 * 1000 * 0.8);
    await untilEvent('failed');
    expect(h.events.find((e) => e.type === 'failed')).toMatchObject({
      reason: expect.stringMatching(/^NoCredentialError: no credential is stored/) as unknown,
    });
    expect(h.tokenRequests()).toEqual([]);
  });

  it('a renewal that finds a token another process stored uses it without a request', async () => {
    h = await refreshHarness(raw, { renewal: true });
    await h.stored('a', 3600);
    await h.manager.getOAuthToken(PROVIDER, BUCKET);
    const theirs = await h.stored('theirs', 3600);
    await h.clock.advance(3600 * 1000 * 0.8);
    await untilEvent('skipped');
    expect(h.tokenRequests()).toEqual([]);
    expect(h.events.find((e) => e.type === 'skipped')).toMatchObject({ expiry: theirs.expiry });
    // Their token counts as a refresh: the renewal is re-armed from it at once.
    expect(types(h.events)).toEqual(['scheduled', 'fired', 'scheduled', 'skipped']);
  });

  it('a renewal takes the token another process stored even when it is near expiry itself', async () => {
    h = await refreshHarness(raw, { renewal: true });
    await h.stored('a', 3600);
    await h.manager.getOAuthToken(PROVIDER, BUCKET);
    const fireInS = 3600 * 0.8;
    const theirs = await h.stored('theirs', fireInS + 20);
    await h.clock.advance(fireInS * 1000);
    await untilEvent('skipped');
    expect(h.tokenRequests()).toEqual([]);
    expect(await h.current()).toEqual(theirs);
  });

  it('a token without a refresh token is declined once, not on every lookup', async () => {
    h = await refreshHarness(raw, { renewal: true });
    await h.store.save(PROVIDER, BUCKET, {
      access_token: 'access-token-bare',
      token_type: 'Bearer',
      expiry: h.issuedExpiry(),
    });
    await h.manager.getOAuthToken(PROVIDER, BUCKET);
    await h.manager.getOAuthToken(PROVIDER, BUCKET);
    expect(h.events).toMatchObject([{ type: 'not-scheduled', reason: 'no-refresh-token' }]);
  });
});

describe('the provider behind the refresh', () => {
  const DISCOVERY = '/.well-known/openid-configuration';
  const metadata = () => ({ issuer: raw.url, token_endpoint: `${raw.url}${TOKEN_PATH}` });
  /** A provider known by its issuer: its endpoints come from discovery on the raw server. */
  const issuerProvider = () =>
    parseProviderConfig({
      name: PROVIDER,
      issuer: raw.url,
      clientId: 'baton-cli',
      flow: 'device',
      api: 'openai',
      baseUrl: 'http://127.0.0.1:9/v1',
    });

  it('discovers an issuer once; a failed discovery is tried again on the next refresh', async () => {
    h = await refreshHarness(raw, {}, issuerProvider());
    await h.stored('a', -5);
    raw.script(DISCOVERY, [{ status: 500, json: { error: 'server_error' } }, { json: metadata() }]);
    raw.script(TOKEN_PATH, [issued('b'), issued('c')]);
    await expect(h.manager.getOAuthToken(PROVIDER, BUCKET)).rejects.toThrow();
    await h.manager.getOAuthToken(PROVIDER, BUCKET);
    await h.manager.forceRefresh(PROVIDER, BUCKET);
    const discoveries = raw.requests.filter((r) => r.url === DISCOVERY);
    expect(discoveries).toHaveLength(2);
    expect(h.tokenRequests()).toHaveLength(2);
  });

  it('token requests go through the fetch the manager was given', async () => {
    h = await refreshHarness(
      raw,
      {
        fetch: (url, init) =>
          fetch(url, {
            ...init,
            headers: { ...(init?.headers as object), 'x-baton-test': 'proxy' },
          }),
      },
      issuerProvider(),
    );
    await h.stored('a', -5);
    raw.script(DISCOVERY, [{ json: metadata() }]);
    raw.script(TOKEN_PATH, [issued('b')]);
    await h.manager.getOAuthToken(PROVIDER, BUCKET);
    expect(raw.requests.map((r) => [r.url, r.headers['x-baton-test']])).toEqual([
      [DISCOVERY, 'proxy'],
      [TOKEN_PATH, 'proxy'],
    ]);
  });

  it('a ledger that cannot be written is logged, and the refresh outcome stands', async () => {
    // Below a character device no directory can exist: every ledger read and write fails (ENOTDIR).
    const nowhere = '/dev/null/baton';
    const ledger = new CooldownLedger({ file: `${nowhere}/cooldowns.json`, locksDir: nowhere });
    h = await refreshHarness(raw, { ledger });
    await h.stored('a', -5);
    raw.script(TOKEN_PATH, [INVALID_GRANT, issued('b')]);
    await expect(h.manager.getOAuthToken(PROVIDER, BUCKET)).rejects.toThrow();
    expect(h.log[0]).toMatch(
      new RegExp(`^could not record that ${PROVIDER}/${BUCKET} needs a login: Error: ENOTDIR`),
    );
    await h.stored('relogged', -5);
    expect((await h.manager.getOAuthToken(PROVIDER, BUCKET))?.access_token).toBe('access-token-b');
    expect(h.log.at(-1)).toMatch(
      new RegExp(`^could not update the cooldown ledger for ${PROVIDER}/${BUCKET}: .*ENOTDIR`),
    );
  });
});
