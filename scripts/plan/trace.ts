// Requirement traceability for one plan: which tests and code carry each requirement's tag, and
// every rule the plan breaks (untested requirement, unknown tag, phases completed out of order).
import type { Plan } from './plan-files.js';
import { findRepoRoot, readPlan, readSiblingPlans } from './plan-files.js';
import type { Tag } from './tags.js';
import { isWellFormed, scanTags } from './tags.js';

export interface RequirementTrace {
  readonly id: string;
  readonly text: string;
  /** "file:line" of each test tag. */
  readonly tests: readonly string[];
  readonly code: readonly string[];
}

export interface Violation {
  readonly rule:
    | 'untested-requirement'
    | 'unknown-requirement'
    | 'unknown-plan'
    | 'unknown-phase'
    | 'malformed-tag'
    | 'completed-out-of-order'
    | 'stray-marker'
    | 'missing-verification';
  readonly message: string;
}

export interface TraceReport {
  readonly planId: string;
  readonly requirements: readonly RequirementTrace[];
  readonly violations: readonly Violation[];
}

const where = (tag: Tag): string => `${tag.file}:${tag.line}`;

/** Completion rules of the phase list alone (no source scan). */
export function orderViolations(plan: Plan): Violation[] {
  const violations: Violation[] = [];
  let firstOpen: string | undefined;
  for (const phase of plan.phases) {
    if (!phase.completed) firstOpen ??= phase.id;
    else if (firstOpen !== undefined) {
      violations.push({
        rule: 'completed-out-of-order',
        message: `${phase.id} is marked complete but ${firstOpen} before it is not`,
      });
    }
    if (phase.verificationFile === undefined) {
      violations.push({
        rule: 'missing-verification',
        message: `${phase.id} has no ${phase.number}a-*.md verification file`,
      });
    }
  }
  for (const marker of plan.strayMarkers) {
    violations.push({
      rule: 'stray-marker',
      message: `.completed/${marker} names no phase of the plan (expected P<NN>.md)`,
    });
  }
  return violations;
}

/** Tags that name a plan, phase or requirement no plan of the repository defines. */
function tagViolations(tags: readonly Tag[], plans: readonly Plan[]): Violation[] {
  const phasesByPlan = new Map(plans.map((p) => [p.id, new Set(p.phases.map((ph) => ph.id))]));
  const requirementIds = new Set(plans.flatMap((p) => p.requirements.map((r) => r.id)));
  const violations: Violation[] = [];
  for (const tag of tags) {
    if (!isWellFormed(tag)) {
      violations.push({
        rule: 'malformed-tag',
        message: `${where(tag)}: @${tag.kind} ${tag.value} is not of the form ${
          tag.kind === 'plan' ? 'PLAN-<id>.P<NN>' : 'REQ-<issue>-<AREA><NN>'
        }`,
      });
    } else if (tag.kind === 'requirement' && !requirementIds.has(tag.value)) {
      violations.push({
        rule: 'unknown-requirement',
        message: `${where(tag)}: @requirement ${tag.value} is not defined by any plan`,
      });
    } else if (tag.kind === 'plan') {
      const [planId = '', phaseId = ''] = tag.value.split('.');
      const phases = phasesByPlan.get(planId);
      if (phases === undefined) {
        violations.push({
          rule: 'unknown-plan',
          message: `${where(tag)}: @plan ${tag.value} names no plan under project-plans/`,
        });
      } else if (!phases.has(phaseId)) {
        violations.push({
          rule: 'unknown-phase',
          message: `${where(tag)}: @plan ${tag.value}: ${planId} has no phase ${phaseId}`,
        });
      }
    }
  }
  return violations;
}

export function trace(planDir: string): TraceReport {
  const plan = readPlan(planDir);
  const root = findRepoRoot(plan.dir);
  const others = readSiblingPlans(root).filter((p) => p.dir !== plan.dir);
  const tags = scanTags(root);

  const requirements = plan.requirements.map((req): RequirementTrace => {
    const mine = tags.filter((t) => t.kind === 'requirement' && t.value === req.id);
    return {
      id: req.id,
      text: req.text,
      tests: mine.filter((t) => t.inTest).map(where),
      code: mine.filter((t) => !t.inTest).map(where),
    };
  });

  const violations: Violation[] = [
    ...orderViolations(plan),
    ...requirements
      .filter((r) => r.tests.length === 0)
      .map((r): Violation => ({
        rule: 'untested-requirement',
        message: `${r.id} has no test carrying its tag`,
      })),
    ...tagViolations(tags, [plan, ...others]),
  ];
  return { planId: plan.id, requirements, violations };
}

export function formatTrace(report: TraceReport): string {
  const lines = [`Traceability for ${report.planId}`, ''];
  const width = Math.max(0, ...report.requirements.map((r) => r.id.length));
  for (const r of report.requirements) {
    const tests = r.tests.length === 0 ? 'NO TEST' : `${r.tests.length} test tag(s)`;
    const code = r.code.length === 0 ? 'no code tag' : `${r.code.length} code tag(s)`;
    lines.push(`  ${r.id.padEnd(width)}  ${tests}, ${code}`);
    for (const t of r.tests) lines.push(`      test ${t}`);
    for (const c of r.code) lines.push(`      code ${c}`);
  }
  const tested = report.requirements.filter((r) => r.tests.length > 0).length;
  lines.push('', `${tested}/${report.requirements.length} requirements have a tagged test.`);
  if (report.violations.length === 0) {
    lines.push('trace: OK');
  } else {
    lines.push(`trace: ${report.violations.length} violation(s):`);
    for (const v of report.violations) lines.push(`  [${v.rule}] ${v.message}`);
  }
  return lines.join('\n');
}
