// CooldownLedger within one process on a fake clock: record, expiry, caps, listing, clearing and
// what it does with a corrupt file or entry.
import { mkdtemp, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@baton/core';
import { CooldownLedger, DEFAULT_MAX_GUESS_MS, type LedgerWarning } from './cooldown-ledger.js';

let root: string;
let file: string;
let locksDir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'baton-ledger-'));
  file = path.join(root, 'cooldowns.json');
  locksDir = path.join(root, 'locks');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('CooldownLedger', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P09
   * @requirement REQ-1598-ST13
   */
  it('is cooling until T, then not cooling, and prune removes the entry from the file', async () => {
    const clock = new FakeClock();
    const ledger = new CooldownLedger({ file, locksDir, clock });
    const until = clock.now() + 90_000;
    const entry = await ledger.record('anthropic', 'work', {
      reason: 'quota-exhausted',
      until,
      source: 'retry-after',
    });
    expect(entry).toEqual({
      reason: 'quota-exhausted',
      until,
      source: 'retry-after',
      recordedAt: clock.now(),
    });
    expect(await ledger.isCooling('anthropic', 'work')).toBe(true);
    expect(await ledger.get('anthropic', 'work')).toEqual(entry);
    expect(await ledger.isCooling('anthropic', 'home')).toBe(false);

    await clock.advance(89_999);
    expect(await ledger.isCooling('anthropic', 'work')).toBe(true);
    await clock.advance(1);
    expect(await ledger.isCooling('anthropic', 'work')).toBe(false);
    expect(await ledger.get('anthropic', 'work')).toBeUndefined();
    expect(await ledger.list()).toEqual([]);
    // Expired but still on disk until pruned.
    expect(
      Object.keys((JSON.parse(await readFile(file, 'utf8')) as { entries: object }).entries),
    ).toEqual(['anthropic:work']);
    expect(await ledger.prune()).toBe(1);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, entries: {} });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('caps guessed cooldowns at 60 s by default but keeps server-stated ones', async () => {
    const clock = new FakeClock();
    const ledger = new CooldownLedger({ file, locksDir, clock });
    const far = clock.now() + 3_600_000;
    const guessed = await ledger.record('qwen', 'a', {
      reason: 'quota-exhausted',
      until: far,
      source: 'guess',
    });
    expect(guessed.until).toBe(clock.now() + DEFAULT_MAX_GUESS_MS);
    const shortGuess = await ledger.record('qwen', 'b', {
      reason: 'quota-exhausted',
      until: clock.now() + 5_000,
      source: 'guess',
    });
    expect(shortGuess.until).toBe(clock.now() + 5_000);
    const stated = await ledger.record('qwen', 'c', {
      reason: 'quota-exhausted',
      until: far,
      source: 'reset-header',
    });
    expect(stated.until).toBe(far);
    const capped = new CooldownLedger({ file, locksDir, clock, maxGuessMs: 10_000 });
    expect(
      (await capped.record('qwen', 'd', { reason: 'quota-exhausted', until: far, source: 'guess' }))
        .until,
    ).toBe(clock.now() + 10_000);
  });

  it('lists active entries soonest first, per provider, and clears one', async () => {
    const clock = new FakeClock();
    const ledger = new CooldownLedger({ file, locksDir, clock });
    const t = clock.now();
    await ledger.record('anthropic', 'b', {
      reason: 'quota-exhausted',
      until: t + 30_000,
      source: 'retry-after',
    });
    await ledger.record('anthropic', 'a', {
      reason: 'quota-exhausted',
      until: t + 20_000,
      source: 'retry-after',
    });
    await ledger.record('qwen', 'x', {
      reason: 'quota-exhausted',
      until: t + 10_000,
      source: 'retry-after',
    });
    expect((await ledger.list()).map((e) => `${e.provider}/${e.bucket}`)).toEqual([
      'qwen/x',
      'anthropic/a',
      'anthropic/b',
    ]);
    expect((await ledger.list('anthropic')).map((e) => e.bucket)).toEqual(['a', 'b']);
    expect(await ledger.clear('anthropic', 'a')).toBe(true);
    expect(await ledger.clear('anthropic', 'a')).toBe(false);
    expect((await ledger.list('anthropic')).map((e) => e.bucket)).toEqual(['b']);
  });

  it('reads a missing file as empty; moves a corrupt file aside with a warning instead of overwriting it', async () => {
    const clock = new FakeClock();
    const warnings: LedgerWarning[] = [];
    const ledger = new CooldownLedger({
      file,
      locksDir,
      clock,
      onWarning: (w) => warnings.push(w),
    });
    expect(await ledger.list()).toEqual([]);
    await writeFile(file, '{"version": 1, "entries": {');
    expect(await ledger.isCooling('anthropic', 'work')).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('{"version": 1, "entries": {'); // reads never rewrite
    await ledger.record('anthropic', 'work', {
      reason: 'quota-exhausted',
      until: clock.now() + 1_000,
      source: 'retry-after',
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ kind: 'corrupt-file-moved', file });
    expect(warnings[0]!.message).toContain(file);
    expect(await readFile(warnings[0]!.movedTo!, 'utf8')).toBe('{"version": 1, "entries": {');
    expect(await ledger.isCooling('anthropic', 'work')).toBe(true);
  });

  it('drops one invalid entry without losing the others', async () => {
    const clock = new FakeClock();
    const warnings: LedgerWarning[] = [];
    const until = clock.now() + 60_000;
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        entries: {
          'anthropic:ok': {
            reason: 'quota-exhausted',
            until,
            source: 'guess',
            recordedAt: clock.now(),
          },
          'anthropic:bad': { reason: 'made-up', until: 'soon' },
        },
      }),
    );
    const ledger = new CooldownLedger({
      file,
      locksDir,
      clock,
      onWarning: (w) => warnings.push(w),
    });
    expect(await ledger.isCooling('anthropic', 'ok')).toBe(true);
    await ledger.record('qwen', 'x', { reason: 'quota-exhausted', until, source: 'retry-after' });
    expect(warnings.map((w) => w.kind)).toEqual(['invalid-entry-dropped']);
    expect((await ledger.list()).map((e) => e.bucket).sort()).toEqual(['ok', 'x']);
  });
});
