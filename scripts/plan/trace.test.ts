// trace on the fixture plan: clean as committed, and one failing case per rule the tool enforces.
import { afterEach, describe, expect, it } from 'vitest';
import type { FixtureRepo } from './fixture.js';
import { copyFixture, docTag } from './fixture.js';
import { formatTrace, trace } from './trace.js';

let repo: FixtureRepo;
afterEach(() => repo.dispose());

function rules(): string[] {
  return trace(repo.planDir).violations.map((v) => v.rule);
}

describe('trace', () => {
  it('passes on the fixture plan and maps each requirement to its test and code tags', () => {
    repo = copyFixture();
    const report = trace(repo.planDir);
    expect(report.planId).toBe('PLAN-DEMO');
    expect(report.violations).toEqual([]);
    expect(report.requirements).toEqual([
      {
        id: 'REQ-9001-AB01',
        text: 'The demo shall add two numbers.',
        tests: ['packages/demo/test/add.test.ts:5'],
        code: ['packages/demo/src/add.ts:5'],
      },
      {
        id: 'REQ-9001-AB02',
        text: 'WHEN a number is not finite, the demo shall reject it.',
        tests: ['packages/demo/test/add.test.ts:5'],
        code: [],
      },
    ]);
    expect(formatTrace(report)).toContain('2/2 requirements have a tagged test.\ntrace: OK');
  });

  it('fails when a requirement has no tagged test, even if code carries its tag', () => {
    repo = copyFixture();
    repo.write(
      'project-plans/demo/requirements.md',
      '| REQ-9001-AB01 | adds |\n| REQ-9001-AB02 | rejects |\n| REQ-9001-AB03 | new |\n',
    );
    repo.write('packages/demo/src/new.ts', docTag('requirement', 'REQ-9001-AB03'));
    const report = trace(repo.planDir);
    expect(report.violations).toEqual([
      { rule: 'untested-requirement', message: 'REQ-9001-AB03 has no test carrying its tag' },
    ]);
    expect(formatTrace(report)).toMatch(/REQ-9001-AB03 +NO TEST, 1 code tag/);
  });

  it('fails on a tag naming a requirement no plan defines', () => {
    repo = copyFixture();
    repo.write('packages/demo/src/typo.ts', docTag('requirement', 'REQ-9001-AB99'));
    expect(trace(repo.planDir).violations).toEqual([
      {
        rule: 'unknown-requirement',
        message:
          'packages/demo/src/typo.ts:2: @requirement REQ-9001-AB99 is not defined by any plan',
      },
    ]);
  });

  it('fails on a tag naming an unknown plan or an unknown phase of a known plan', () => {
    repo = copyFixture();
    repo.write('packages/demo/test/a.test.ts', docTag('plan', 'PLAN-NOPE.P01'));
    repo.write('scripts/tool.ts', docTag('plan', 'PLAN-DEMO.P07'));
    expect(trace(repo.planDir).violations).toEqual([
      {
        rule: 'unknown-plan',
        message:
          'packages/demo/test/a.test.ts:2: @plan PLAN-NOPE.P01 names no plan under project-plans/',
      },
      {
        rule: 'unknown-phase',
        message: 'scripts/tool.ts:2: @plan PLAN-DEMO.P07: PLAN-DEMO has no phase P07',
      },
    ]);
  });

  it('fails on malformed tags', () => {
    repo = copyFixture();
    repo.write('packages/demo/src/bad.ts', docTag('plan', 'PLAN-DEMO-P01'));
    expect(rules()).toEqual(['malformed-tag']);
  });

  it('fails when a phase is marked complete while an earlier one is not', () => {
    repo = copyFixture();
    repo.write('project-plans/demo/.completed/P03.md', 'done\n');
    expect(trace(repo.planDir).violations).toEqual([
      {
        rule: 'completed-out-of-order',
        message: 'P03 is marked complete but P02 before it is not',
      },
    ]);
  });

  it('fails on a marker naming no phase and on a phase without its verification file', () => {
    repo = copyFixture();
    repo.write('project-plans/demo/.completed/P9.md', 'done\n');
    repo.remove('project-plans/demo/plan/03a-done-verification.md');
    expect(rules().sort()).toEqual(['missing-verification', 'stray-marker']);
  });

  it('ignores tag-like text outside comments, in fixtures/ and in node_modules/', () => {
    repo = copyFixture();
    const unknown = docTag('requirement', 'REQ-9001-ZZ99');
    repo.write(
      'packages/demo/src/literal.ts',
      `export const s = '@${'requirement'} REQ-9001-ZZ99';\n`,
    );
    repo.write('scripts/fixtures/sample.ts', unknown);
    repo.write('packages/demo/src/node_modules/dep/index.js', unknown);
    expect(trace(repo.planDir).violations).toEqual([]);
  });

  it('checks tags against every plan of the repository, not only the traced one', () => {
    repo = copyFixture();
    repo.write('project-plans/other/README.md', 'Plan ID: PLAN-OTHER\n');
    repo.write('project-plans/other/requirements.md', '### REQ-7-XY01 — other\n');
    repo.write('project-plans/other/plan/01-x.md', '# Phase 01: x\n');
    repo.write('project-plans/other/plan/01a-x.md', '# Phase 01a\n');
    repo.write('packages/demo/src/other.ts', docTag('requirement', 'REQ-7-XY01'));
    repo.write('packages/demo/src/other2.ts', docTag('plan', 'PLAN-OTHER.P01'));
    const report = trace(repo.planDir);
    expect(report.violations).toEqual([]);
    expect(report.requirements.map((r) => r.id)).toEqual(['REQ-9001-AB01', 'REQ-9001-AB02']);
  });
});
