import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BATON_VERSION } from './version.js';

const bin = fileURLToPath(new URL('../dist/bin/baton.js', import.meta.url));

describe('baton binary', () => {
  it('prints its version', () => {
    const run = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(BATON_VERSION);
    expect(BATON_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('prints help with examples', () => {
    const run = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: baton');
    expect(run.stdout).toContain('Examples:');
  });

  it('exits 2 on an unknown option without a stack trace', () => {
    const run = spawnSync(process.execPath, [bin, '--nope'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("unknown option '--nope'");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
