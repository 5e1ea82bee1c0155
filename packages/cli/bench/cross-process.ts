// Issue 15 item 3: 2, 8 and 16 real processes ask at once for one near-expiry bucket on a shared
// file store → refresh grants at the token endpoint, invalid_grant answers, and the time until all
// hold a valid token. Reuses the cross-process test's child (test/fixtures/manager-child.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OAuthToken } from '@baton/core';
import { createTokenStore } from '../src/auth/storage/index.js';
import { resolvePaths } from '../src/paths.js';
import { introspect } from '../test/flows/helpers.js';
import { bundleFixture } from '../test/manager/bundle.js';
import { startManagerChildren, type ManagerChild } from '../test/manager/children.js';
import { fingerprint } from '../test/manager/protocol.js';
import { median, verdict, type Row } from './results.js';
import { PROVIDER, type Stack } from './stack.js';

const SECTION = '3. cross-process refresh (one near-expiry bucket)';
const PROCESS_COUNTS = [2, 8, 16] as const;
const ROUNDS = 2;
/** Seconds left on the stored token: inside the 30 s near-expiry window, still valid at the server. */
const NEAR_EXPIRY_SECONDS = 10;

export async function crossProcess(stack: Stack): Promise<Row[]> {
  const root = await mkdtemp(path.join(tmpdir(), 'baton-bench-xproc-'));
  const env = { BATON_STORE: 'file', BATON_DATA_DIR: path.join(root, 'data') };
  const { store } = await createTokenStore({ env });
  // The key file must exist before sixteen processes open the store at once.
  await store.save(PROVIDER, 'warm-up', { access_token: 'warm-up', token_type: 'Bearer' });
  const bundle = await bundleFixture('manager-child.ts');
  let children: ManagerChild[] = [];
  const rows: Row[] = [];
  let id = 1;
  try {
    const started = Date.now();
    children = await startManagerChildren(
      bundle.file,
      Math.max(...PROCESS_COUNTS),
      resolvePaths(env).dataDir,
      stack.config,
    );
    console.log(`  ${children.length} processes ready in ${Date.now() - started} ms`);
    for (const count of PROCESS_COUNTS) {
      const grants: number[] = [];
      const invalid: number[] = [];
      const failures: number[] = [];
      const allHold: number[] = [];
      const sameToken: boolean[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const bucket = `x${count}r${round}`;
        const fresh = await stack.login(bucket);
        const near: OAuthToken = {
          ...fresh,
          expiry: Math.floor(Date.now() / 1000) + NEAR_EXPIRY_SECONDS,
        };
        await store.save(PROVIDER, bucket, near);
        stack.server.resetCounters();
        const targets = children.slice(0, count);
        const command = { id: id++, op: 'get' as const, provider: PROVIDER, bucket };
        const sentAt = Date.now();
        for (const child of targets) child.send(command);
        const results = await Promise.all(targets.map((child) => child.result(command.id)));
        allHold.push(Math.max(...results.map((r) => r.at)) - sentAt);
        grants.push(stack.server.counters.byGrantType.refresh_token ?? 0);
        invalid.push(results.filter((r) => !r.ok && r.error === 'RefreshTokenRevokedError').length);
        failures.push(results.filter((r) => !r.ok).length);
        const stored = await store.get(PROVIDER, bucket);
        const prints = new Set(results.map((r) => (r.ok ? r.fingerprint : 'failed')));
        sameToken.push(
          stored !== null &&
            prints.size === 1 &&
            prints.has(fingerprint(stored.access_token)) &&
            (await introspect(stack.server, stored.access_token)).active === true,
        );
      }
      const maxGrants = Math.max(...grants);
      const totalInvalid = invalid.reduce((a, b) => a + b, 0);
      rows.push({
        section: SECTION,
        figure: `${count} processes (${ROUNDS} rounds)`,
        value:
          `${grants.join('/')} refresh grants, ${totalInvalid} invalid_grant, ` +
          `${failures.reduce((a, b) => a + b, 0)} failures, all hold one valid token: ${sameToken.every(Boolean) ? 'yes' : 'NO'}, ` +
          `after ${median(allHold)} ms (median; ${allHold.join('/')})`,
        target: '1 refresh, 0 invalid_grant',
        verdict: verdict(maxGrants === 1 && Math.min(...grants) === 1 && totalInvalid === 0),
        data: { processes: count, grants, invalid, failures, allHoldMs: allHold, sameToken },
      });
    }
  } finally {
    await Promise.all(children.map((child) => child.kill()));
    await bundle.remove();
    await rm(root, { recursive: true, force: true });
  }
  return rows;
}
