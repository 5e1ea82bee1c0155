// Runs the verification commands of a phase: every line of the fenced ```bash blocks in its
// NNa-*.md file, from the repository root, one at a time, reporting pass or fail for each.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Phase } from './plan-files.js';

export interface CommandResult {
  readonly phase: string;
  readonly command: string;
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly ms: number;
  /** The command's combined output, kept for failures. */
  readonly output: string;
}

/** A whole test run must fit; anything slower is treated as a hang. */
export const COMMAND_TIMEOUT_MS = 15 * 60_000;

/**
 * The commands of a markdown text's ```bash blocks: one per line, a trailing backslash joins the
 * next line, blank lines and # comments are skipped.
 */
export function extractCommands(markdown: string): string[] {
  const commands: string[] = [];
  let inBlock = false;
  let pending = '';
  for (const line of markdown.split('\n')) {
    const fence = /^\s*```(\w*)\s*$/.exec(line);
    if (fence !== null) {
      inBlock = !inBlock && (fence[1] === 'bash' || fence[1] === 'sh');
      pending = '';
      continue;
    }
    if (!inBlock) continue;
    const text = line.trim();
    if (pending === '' && (text === '' || text.startsWith('#'))) continue;
    if (text.endsWith('\\')) {
      pending += `${text.slice(0, -1).trim()} `;
      continue;
    }
    commands.push(`${pending}${text}`.trim());
    pending = '';
  }
  return commands;
}

export function phaseCommands(phase: Phase): string[] {
  if (phase.verificationFile === undefined) return [];
  return extractCommands(readFileSync(phase.verificationFile, 'utf8'));
}

export function runCommand(
  phase: string,
  command: string,
  cwd: string,
  timeoutMs = COMMAND_TIMEOUT_MS,
): CommandResult {
  const started = Date.now();
  const result = spawnSync('bash', ['-c', command], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return {
    phase,
    command,
    ok: result.status === 0,
    exitCode: result.status,
    ms: Date.now() - started,
    output: result.error === undefined ? output : `${output}\n${result.error.message}`,
  };
}

/** Last lines of a failed command's output: enough to see why without flooding the report. */
export function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function formatResult(r: CommandResult): string {
  const head = `  ${r.ok ? 'PASS' : 'FAIL'}  ${r.phase}  ${r.command}  (${(r.ms / 1000).toFixed(1)} s)`;
  if (r.ok) return head;
  const indented = tail(r.output)
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
  return `${head}\n        exit code ${String(r.exitCode)}\n${indented}`;
}
