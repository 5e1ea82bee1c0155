// CooldownLedger across real processes: writers in separate processes serialise on the ledger lock
// and lose no entry (kept apart from the in-process tests, which mutation testing runs per mutant).
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lastJson, runFixture } from '../../../test/keyring-bus.js';
import { CooldownLedger } from './cooldown-ledger.js';

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

describe('CooldownLedger across processes', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P09
   * @requirement REQ-1598-ST13
   */
  it('five processes writing at once lose no entry', { timeout: 90_000 }, async () => {
    const writers = Array.from({ length: 5 }, (_, w) =>
      runFixture(
        'ledger-writer.ts',
        [file, locksDir, 'multi', ...Array.from({ length: 4 }, (_, i) => `w${w}-b${i}`)],
        process.env,
      ),
    );
    for (const result of await Promise.all(writers)) expect(lastJson(result)).toEqual({ done: 4 });
    const ledger = new CooldownLedger({ file, locksDir });
    const buckets = (await ledger.list('multi')).map((e) => e.bucket).sort();
    expect(buckets).toHaveLength(20);
    expect(buckets).toEqual(
      Array.from({ length: 5 }, (_, w) => Array.from({ length: 4 }, (_, i) => `w${w}-b${i}`))
        .flat()
        .sort(),
    );
    // The lock file stays (deleting it would let two processes lock different inodes); it is empty.
    expect(await readdir(locksDir)).toEqual(['cooldown-ledger.lock']);
    expect(await readFile(path.join(locksDir, 'cooldown-ledger.lock'), 'utf8')).toBe('');
  });
});
