// The built binary as a person runs it: help with examples on every command, usage errors with
// exit 2 and no stack, colour rules, and a start-up for --version close to a bare node.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/program.js';
import type { Command } from 'commander';

const bin = fileURLToPath(new URL('../../dist/bin/baton.js', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'baton-bin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const env = {
  PATH: process.env.PATH,
  BATON_CONFIG_DIR: path.join(root, 'config'),
  BATON_DATA_DIR: path.join(root, 'data'),
  BATON_STORE: 'file',
  BATON_STORE_PASSPHRASE: 'throwaway',
};

function baton(args: string[], extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...env, ...extraEnv },
  });
}

function leafCommands(command: Command, prefix: string[] = []): string[][] {
  if (command.commands.length === 0) return [prefix];
  return command.commands.flatMap((c) => leafCommands(c, [...prefix, c.name()]));
}

describe('baton binary', () => {
  const commands = leafCommands(createProgram());

  it.each(commands.map((c) => [c.join(' '), c]))('`%s --help` shows examples', (_name, args) => {
    const run = baton([...args, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Usage: baton ${args.join(' ')}`);
    expect(run.stdout).toMatch(/Examples:\n {2}\$ baton /);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P17
   * @requirement REQ-1598-CLI03
   */
  it('exits 2 on a missing argument, naming the help command, without a stack', () => {
    const run = baton(['profile', 'use']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("missing required argument 'name'");
    expect(run.stderr).toContain('baton profile use --help');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on an invalid bucket name, with the rule', () => {
    const run = baton([
      'profile',
      'create',
      'w',
      '--provider',
      'anthropic',
      '--model',
      'm',
      '--bucket',
      '../../x',
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('invalid profile: buckets.0: bucket names: letters, digits');
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P17
   * @requirement REQ-1598-CLI03
   */
  it('exits 1 with one sentence and the next action; --debug adds the stack', () => {
    const plain = baton(['profile', 'show', 'ghost']);
    expect(plain.status).toBe(1);
    expect(plain.stderr.trim().split('\n')).toEqual([
      '✗ there is no profile named "ghost"',
      expect.stringMatching(/^ {2}Next: run `baton profile list`/),
    ]);
    const debug = baton(['--debug', 'profile', 'show', 'ghost']);
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/ProfileNotFoundError: there is no profile named "ghost"\n\s+at /);
  });

  it('writes no colour codes when output is not a terminal, even with FORCE_COLOR', () => {
    const run = baton(['profile', 'show', 'ghost'], { FORCE_COLOR: '1' });
    expect(run.stderr).not.toContain('\u001B[');
  });

  it('answers --version about as fast as a bare node start', () => {
    const time = (args: string[]): number => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const started = process.hrtime.bigint();
        spawnSync(process.execPath, args);
        samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      return samples.sort((a, b) => a - b)[2]!;
    };
    const bare = time(['-e', '0']);
    const version = time([bin, '--version']);
    // Generous bound for a loaded 2-core machine; loading commands eagerly costs far more.
    expect(version).toBeLessThan(bare * 2 + 100);
  });
});
