// Reading a plan: phases and their verification files, markers, requirement definitions, tags.
import { afterEach, describe, expect, it } from 'vitest';
import type { FixtureRepo } from './fixture.js';
import { copyFixture, FIXTURE_REPO } from './fixture.js';
import { findRepoRoot, PlanFormatError, readPlan } from './plan-files.js';
import { tagsInText } from './tags.js';

let repo: FixtureRepo | undefined;
afterEach(() => repo?.dispose());

describe('readPlan', () => {
  it('reads the ID, the phases in order with completion, and the defined requirements', () => {
    const plan = readPlan(`${FIXTURE_REPO}/project-plans/demo`);
    expect(plan.id).toBe('PLAN-DEMO');
    expect(plan.phases.map((p) => [p.id, p.title, p.completed])).toEqual([
      ['P01', 'Phase 01: add', true],
      ['P02', 'Phase 02: reject non-finite numbers', false],
      ['P03', 'Phase 03: wrap up', false],
    ]);
    expect(plan.phases.every((p) => p.verificationFile?.match(/\d{2}a-.+\.md$/))).toBe(true);
    expect(plan.requirements.map((r) => r.id)).toEqual(['REQ-9001-AB01', 'REQ-9001-AB02']);
    expect(plan.strayMarkers).toEqual([]);
    expect(findRepoRoot(plan.dir)).toBe(FIXTURE_REPO);
  });

  it('accepts requirements defined by headings as well as table rows', () => {
    repo = copyFixture();
    repo.write(
      'project-plans/demo/requirements.md',
      '## REQ-9001-AB01 — adds\n\n#### **REQ-9001-AB02**: rejects\n\nSee REQ-9001-AB03.\n',
    );
    expect(readPlan(repo.planDir).requirements).toEqual([
      { id: 'REQ-9001-AB01', text: 'adds' },
      { id: 'REQ-9001-AB02', text: 'rejects' },
    ]);
  });

  it('rejects a directory that is not a plan, naming what is missing', () => {
    repo = copyFixture();
    expect(() => readPlan(repo!.root)).toThrow(PlanFormatError);
    repo.write('project-plans/demo/README.md', '# no id here\n');
    expect(() => readPlan(repo!.planDir)).toThrow(/no "Plan ID: PLAN-…" line/);
    repo.remove('project-plans/demo/requirements.md');
    repo.write('project-plans/demo/README.md', 'Plan ID: PLAN-DEMO\n');
    expect(() => readPlan(repo!.planDir)).toThrow(/requirements\.md is missing/);
  });
});

describe('tagsInText', () => {
  const at = '@';
  it('reads plan and requirement tags from doc and line comments, splitting comma lists', () => {
    const text = [
      '/**',
      ` * ${at}plan PLAN-DEMO.P02.`,
      ` * ${at}requirement REQ-9001-AB01, REQ-9001-AB02`,
      ' */',
      `// ${at}requirement:REQ-9001-AB03`,
      `/** ${at}plan PLAN-DEMO.P01 ${at}requirement REQ-9001-AB04 */`,
    ].join('\n');
    expect(tagsInText(text, 'x.test.ts').map((t) => [t.kind, t.value, t.line, t.inTest])).toEqual([
      ['plan', 'PLAN-DEMO.P02', 2, true],
      ['requirement', 'REQ-9001-AB01', 3, true],
      ['requirement', 'REQ-9001-AB02', 3, true],
      ['requirement', 'REQ-9001-AB03', 5, true],
      ['plan', 'PLAN-DEMO.P01', 6, true],
      ['requirement', 'REQ-9001-AB04', 6, true],
    ]);
  });

  it('ignores tags after code or inside strings, and marks non-test files as code', () => {
    const text = `const a = '${at}requirement REQ-9001-AB01';\nfoo(); // ${at}plan PLAN-DEMO.P01\n`;
    expect(tagsInText(text, 'x.ts')).toEqual([]);
    expect(tagsInText(`// ${at}plan PLAN-DEMO.P01`, 'x.ts')[0]?.inTest).toBe(false);
  });
});
