// The plan tool's commands on the fixture plan: status, verify (passing and failing commands)
// and trace, through main() and once through a real `tsx` child process for the exit codes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import type { FixtureRepo } from './fixture.js';
import { copyFixture, docTag, FIXTURE_REPO } from './fixture.js';
import { extractCommands } from './verify.js';

let repo: FixtureRepo | undefined;
afterEach(() => repo?.dispose());

function run(...argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const demo = join(FIXTURE_REPO, 'project-plans', 'demo');

describe('status', () => {
  it('lists phases as done / next / pending and names the next phase', () => {
    const { code, out } = run('status', demo);
    expect(code).toBe(0);
    expect(out).toContain('  P01  done     Phase 01: add');
    expect(out).toContain('  P02  next     Phase 02: reject non-finite numbers');
    expect(out).toContain('  P03  pending  Phase 03: wrap up');
    expect(out).toContain('1/3 phases done.');
    expect(out).toContain(
      'Next phase: P02 — Phase 02: reject non-finite numbers (plan/02-reject.md; verify with plan/02a-reject-verification.md)',
    );
  });

  it('says when every phase is complete, and prints JSON with --json', () => {
    repo = copyFixture();
    repo.write('project-plans/demo/.completed/P02.md', 'done\n');
    repo.write('project-plans/demo/.completed/P03.md', 'done\n');
    expect(run('status', repo.planDir).out).toContain('Every phase is complete.');
    const json = JSON.parse(run('status', repo.planDir, '--json').out) as {
      phases: { id: string; state: string }[];
      next?: unknown;
    };
    expect(json.phases.map((p) => p.state)).toEqual(['done', 'done', 'done']);
    expect(json.next).toBeUndefined();
  });
});

describe('verify', () => {
  it('runs every completed phase’s commands from the repository root and reports each', () => {
    const { code, err } = run('verify', demo);
    expect(code).toBe(0);
    expect(err).toMatch(/PASS {2}P01 {2}test -f project-plans\/demo\/README\.md/);
    expect(err).toMatch(/PASS {2}P01 {2}true && echo joined/);
    expect(err).not.toContain('P02');
    expect(err).toContain('verify: 2/2 command(s) passed');
  });

  it('runs one named phase, and fails with the command’s output when a command fails', () => {
    repo = copyFixture();
    repo.write(
      'project-plans/demo/plan/02a-reject-verification.md',
      '```bash\necho first\necho "reason it broke" >&2; exit 3\n```\n',
    );
    const { code, err } = run('verify', repo.planDir, 'P02');
    expect(code).toBe(1);
    expect(err).toMatch(/PASS {2}P02 {2}echo first/);
    expect(err).toMatch(/FAIL {2}P02 {2}echo "reason it broke"/);
    expect(err).toContain('exit code 3');
    expect(err).toContain('reason it broke');
    expect(err).toContain('verify: 1/2 command(s) passed');
    const json = JSON.parse(run('verify', repo.planDir, 'P02', '--json').out) as {
      results: { ok: boolean; output?: string }[];
    };
    expect(json.results.map((r) => [r.ok, r.output?.trim()])).toEqual([
      [true, undefined],
      [false, 'reason it broke'],
    ]);
  });

  it('fails a phase whose verification file has no commands; rejects an unknown phase', () => {
    repo = copyFixture();
    repo.write('project-plans/demo/plan/03a-done-verification.md', '# nothing to run\n');
    expect(run('verify', repo.planDir, '3').code).toBe(1);
    const unknown = run('verify', repo.planDir, 'P09');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('PLAN-DEMO has no phase P09 (phases: P01 P02 P03)');
  });

  it('prints one JSON result per command with --json, without the output of passing ones', () => {
    const { code, out } = run('verify', demo, 'P01', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { planId: string; results: Record<string, unknown>[] };
    expect(report.planId).toBe('PLAN-DEMO');
    expect(report.results.map((r) => [r.phase, r.command, r.ok, r.exitCode])).toEqual([
      ['P01', 'test -f project-plans/demo/README.md', true, 0],
      ['P01', 'true && echo joined', true, 0],
    ]);
    expect(report.results.every((r) => !('output' in r))).toBe(true);
  });

  it('has nothing to do when no phase is complete', () => {
    repo = copyFixture();
    repo.remove('project-plans/demo/.completed/P01.md');
    const { code, err } = run('verify', repo.planDir);
    expect(code).toBe(0);
    expect(err).toContain('no completed phase in PLAN-DEMO');
  });
});

describe('extractCommands', () => {
  it('takes only bash/sh blocks, joins continued lines and skips comments and blanks', () => {
    const md = [
      'text `not a command`',
      '```bash',
      '# comment',
      '',
      'pnpm a \\',
      '  --flag',
      '```',
      '```ts',
      'const x = 1;',
      '```',
      '```sh',
      'echo b',
      '```',
    ].join('\n');
    expect(extractCommands(md)).toEqual(['pnpm a --flag', 'echo b']);
  });
});

describe('command line', () => {
  it('prints usage with exit code 2 for a bad command, a missing plan dir or an unknown option', () => {
    expect(run('frobnicate', demo).code).toBe(2);
    expect(run('status').code).toBe(2);
    expect(run('trace', demo, '--verbose').err).toContain('Unknown option --verbose');
    const help = run('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: pnpm plan');
  });

  it('reports an unreadable plan in one line with exit code 1', () => {
    const { code, err } = run('status', FIXTURE_REPO);
    expect(code).toBe(1);
    expect(err).toMatch(/^plan: .*plan\/ is missing$/);
  });

  it('exits 0 on a clean trace and 1 with the listing on a broken one, as a real process', () => {
    repo = copyFixture();
    const cli = join(import.meta.dirname, 'cli.ts');
    const tsx = (): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, ['--import', 'tsx', cli, 'trace', repo!.planDir], {
        encoding: 'utf8',
      });
    const clean = tsx();
    expect(clean.status).toBe(0);
    expect(clean.stdout).toContain('trace: OK');
    repo.write('packages/demo/src/typo.ts', docTag('requirement', 'REQ-9001-AB99'));
    repo.write('project-plans/demo/.completed/P03.md', 'done\n');
    const broken = tsx();
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('trace: 2 violation(s):');
    expect(broken.stdout).toContain('[completed-out-of-order] P03 is marked complete but P02');
    expect(broken.stdout).toContain('[unknown-requirement] packages/demo/src/typo.ts:2');
  });
});
