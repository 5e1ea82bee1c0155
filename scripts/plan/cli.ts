// `pnpm plan status|verify|trace <plan-dir>`: phase status, verification runs and requirement
// traceability for a plan under project-plans/. Exit codes: 0 ok, 1 failure, 2 usage.
import { pathToFileURL } from 'node:url';
import { findRepoRoot, PlanFormatError, readPlan } from './plan-files.js';
import { formatStatus, status } from './status.js';
import { formatTrace, trace } from './trace.js';
import type { CommandResult } from './verify.js';
import { formatResult, phaseCommands, runCommand, tail } from './verify.js';

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const USAGE = `Usage: pnpm plan <command> <plan-dir> [options]

Commands:
  status <plan-dir>          phases in order (done / next / pending) and the next phase to execute
  verify <plan-dir> [P<NN>]  run the verification commands of one phase, or of every completed phase
  trace <plan-dir>           requirements <-> tests <-> code; exit 1 on any violation

Options:
  --json                     machine-readable output on stdout
  -h, --help                 this help

Examples:
  pnpm plan status project-plans/issue1598
  pnpm plan verify project-plans/issue1598 P05
  pnpm plan trace project-plans/issue1598 --json`;

function runVerify(planDir: string, only: string | undefined, json: boolean, io: Output): number {
  const plan = readPlan(planDir);
  const root = findRepoRoot(plan.dir);
  let phases = plan.phases.filter((p) => p.completed);
  if (only !== undefined) {
    const id = /^P?(\d{1,2})$/i.exec(only)?.[1];
    const phase = plan.phases.find((p) => id !== undefined && p.number === id.padStart(2, '0'));
    if (phase === undefined) {
      io.err(
        `verify: ${plan.id} has no phase ${only} (phases: ${plan.phases.map((p) => p.id).join(' ')})`,
      );
      return 2;
    }
    phases = [phase];
  }
  if (phases.length === 0) {
    io.err(
      `verify: no completed phase in ${plan.id}; name one, e.g. pnpm plan verify ${planDir} P01`,
    );
    return 0;
  }
  const results: CommandResult[] = [];
  let missing = 0;
  for (const phase of phases) {
    const commands = phaseCommands(phase);
    if (commands.length === 0) {
      missing += 1;
      io.err(`  FAIL  ${phase.id}  no verification commands (a fenced bash block in its NNa file)`);
    }
    for (const command of commands) {
      // A phase's test run can take minutes: say what is running before it starts.
      if (!json) io.err(`  RUN   ${phase.id}  ${command}`);
      const result = runCommand(phase.id, command, root);
      results.push(result);
      if (!json) io.err(formatResult(result));
    }
  }
  const failed = results.filter((r) => !r.ok).length + missing;
  if (json) {
    io.out(
      JSON.stringify(
        {
          planId: plan.id,
          results: results.map(({ output, ...r }) => (r.ok ? r : { ...r, output: tail(output) })),
        },
        null,
        2,
      ),
    );
  }
  io.err(
    `verify: ${results.length - (failed - missing)}/${results.length} command(s) passed` +
      (missing > 0 ? `, ${missing} phase(s) without commands` : ''),
  );
  return failed === 0 ? 0 : 1;
}

export function main(argv: readonly string[], io: Output): number {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  if (args.includes('-h') || args.includes('--help')) {
    io.out(USAGE);
    return 0;
  }
  const [command, planDir, extra, ...rest] = args;
  const unknownOption = args.find((a) => a.startsWith('-'));
  if (planDir === undefined || unknownOption !== undefined || rest.length > 0) {
    io.err(unknownOption === undefined ? USAGE : `Unknown option ${unknownOption}\n\n${USAGE}`);
    return 2;
  }
  try {
    switch (command) {
      case 'status': {
        if (extra !== undefined) break;
        const report = status(readPlan(planDir));
        io.out(json ? JSON.stringify(report, null, 2) : formatStatus(report));
        return 0;
      }
      case 'trace': {
        if (extra !== undefined) break;
        const report = trace(planDir);
        io.out(json ? JSON.stringify(report, null, 2) : formatTrace(report));
        return report.violations.length === 0 ? 0 : 1;
      }
      case 'verify':
        return runVerify(planDir, extra, json, io);
      default:
        break;
    }
  } catch (error) {
    if (error instanceof PlanFormatError) {
      io.err(`plan: ${error.message}`);
      return 1;
    }
    throw error;
  }
  io.err(USAGE);
  return 2;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = main(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  });
}
