// `baton demo` as a person runs it: the built binary, no network, under a minute, and a summary
// that shows a failover, a refresh, a proactive renewal and the final exhausted error.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { batonHome } from './baton-process.js';

const demoDirs = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith('baton-demo-'));

describe('baton demo', { timeout: 120_000 }, () => {
  it('runs the whole story in under 60 s and leaves nothing behind', async () => {
    const home = await batonHome();
    try {
      const before = new Set(demoDirs());
      const started = Date.now();
      const run = await home.run(['demo']);
      const elapsed = Date.now() - started;
      expect(run.code, run.stderr).toBe(0);
      expect(elapsed).toBeLessThan(60_000);
      const err = run.stderr;
      expect(err).toMatch(
        /To sign in demo\/a, open http:\/\/127\.0\.0\.1:\d+\/device and enter the code:/,
      );
      expect(err).toContain('✓ Approved: demo/c');
      expect(err).toContain('bucket a answered 401 → refreshing its token and retrying');
      expect(err).toMatch(/bucket a out of quota until \d\d:\d\d → using b/);
      expect(err).toMatch(/proactive renewal: bucket \w renewed/);
      expect(err).toMatch(/✗ request 7: All 3 buckets for demo are unavailable/);
      const summary =
        /answered (\d+) of 7; failovers (\d+), refreshes (\d+), renewals (\d+), exhausted errors (\d+)/.exec(
          err,
        );
      expect(summary).not.toBeNull();
      const [, answered, failovers, refreshes, renewals, exhausted] = summary!.map(Number);
      expect(answered).toBe(6);
      expect(failovers).toBeGreaterThanOrEqual(1);
      expect(refreshes).toBeGreaterThanOrEqual(1);
      expect(renewals).toBeGreaterThanOrEqual(1);
      expect(exhausted).toBe(1);
      expect(err).toMatch(/BUCKET\s+REQUESTS\s+429s\s+FAILOVERS\s+REFRESHES\s+RENEWALS/);
      // The demo's own throwaway dir is gone, and it never touched the person's config.
      expect(demoDirs().filter((d) => !before.has(d))).toEqual([]);
      expect(readdirSync(home.root)).toEqual([]);
    } finally {
      await home.cleanup();
    }
  });

  it('rejects a bucket count out of range with exit 2', async () => {
    const home = await batonHome();
    try {
      const run = await home.run(['demo', '--buckets', '0']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--buckets must be a whole number from 1 to 8');
    } finally {
      await home.cleanup();
    }
  });
});
