// Phase status of a plan: each phase is done (marker in .completed/), next (the first phase not
// done) or pending.
import { relative } from 'node:path';
import type { Phase, Plan } from './plan-files.js';

export type PhaseState = 'done' | 'next' | 'pending';

export interface PhaseStatus {
  readonly id: string;
  readonly title: string;
  readonly state: PhaseState;
  readonly file: string;
  readonly verificationFile: string | undefined;
}

export interface StatusReport {
  readonly planId: string;
  readonly phases: readonly PhaseStatus[];
  /** The phase to execute next; undefined when every phase is done. */
  readonly next: PhaseStatus | undefined;
}

export function status(plan: Plan): StatusReport {
  const firstOpen = plan.phases.find((p) => !p.completed);
  const rel = (path: string): string => relative(plan.dir, path).split('\\').join('/');
  const phases = plan.phases.map((p: Phase): PhaseStatus => ({
    id: p.id,
    title: p.title,
    state: p.completed ? 'done' : p === firstOpen ? 'next' : 'pending',
    file: rel(p.file),
    verificationFile: p.verificationFile === undefined ? undefined : rel(p.verificationFile),
  }));
  return { planId: plan.id, phases, next: phases.find((p) => p.state === 'next') };
}

export function formatStatus(report: StatusReport): string {
  const lines = [`${report.planId}`, ''];
  for (const p of report.phases) lines.push(`  ${p.id}  ${p.state.padEnd(7)}  ${p.title}`);
  const done = report.phases.filter((p) => p.state === 'done').length;
  lines.push('', `${done}/${report.phases.length} phases done.`);
  const next = report.next;
  if (next === undefined) {
    lines.push('Every phase is complete.');
  } else {
    const check = next.verificationFile ?? '(no verification file)';
    lines.push(`Next phase: ${next.id} — ${next.title} (${next.file}; verify with ${check})`);
  }
  return lines.join('\n');
}
