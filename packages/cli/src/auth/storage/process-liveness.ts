// Is a lock owner still running? On Linux /proc tells whether a pid is alive (zombies count as
// gone) and when it started, so a recycled pid is not mistaken for the owner; elsewhere kill(pid, 0).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Start times read twice for one process can differ by btime rounding; allow this much. */
export const START_TIME_TOLERANCE_MS = 2_000;
const DEFAULT_CLK_TCK = 100;

export interface ProcessState {
  alive: boolean;
  /** Epoch ms when the process started (Linux only). */
  startedAtMs?: number;
}

/** Parses `/proc/<pid>/stat`: state (field 3) and starttime in clock ticks (field 22). */
export function parseProcStat(text: string): { state: string; startTicks: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const state = fields[0];
  const startTicks = Number(fields[19]);
  if (state === undefined || !Number.isFinite(startTicks)) return undefined;
  return { state, startTicks };
}

/** Parses the `btime` line (boot time, epoch seconds) of /proc/stat. */
export function parseBootTime(text: string): number | undefined {
  const match = /^btime\s+(\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

let bootTimeMs: Promise<number | undefined> | undefined;
let clockTicks: Promise<number> | undefined;

function readBootTimeMs(): Promise<number | undefined> {
  bootTimeMs ??= readFile('/proc/stat', 'utf8').then(
    (text) => {
      const seconds = parseBootTime(text);
      return seconds === undefined ? undefined : seconds * 1000;
    },
    () => undefined,
  );
  return bootTimeMs;
}

function readClockTicks(): Promise<number> {
  clockTicks ??= new Promise((resolve) => {
    execFile('getconf', ['CLK_TCK'], { timeout: 2_000 }, (error, stdout) => {
      const ticks = Number(String(stdout).trim());
      resolve(!error && Number.isInteger(ticks) && ticks > 0 ? ticks : DEFAULT_CLK_TCK);
    });
  });
  return clockTicks;
}

function killZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Whether `pid` is running and, on Linux, when it started. */
export async function processState(pid: number): Promise<ProcessState> {
  if (!Number.isInteger(pid) || pid <= 0) return { alive: false };
  if (process.platform !== 'linux') return { alive: killZero(pid) };
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return { alive: false };
  }
  const stat = parseProcStat(text);
  if (!stat) return { alive: killZero(pid) };
  if (stat.state === 'Z' || stat.state === 'X') return { alive: false };
  const [boot, ticks] = await Promise.all([readBootTimeMs(), readClockTicks()]);
  if (boot === undefined) return { alive: true };
  return { alive: true, startedAtMs: boot + (stat.startTicks * 1000) / ticks };
}

let ownStart: Promise<number | undefined> | undefined;

/** This process's start time (Linux), recorded in the locks it takes. */
export function ownProcessStartMs(): Promise<number | undefined> {
  ownStart ??= processState(process.pid).then((s) => s.startedAtMs);
  return ownStart;
}

export interface OwnerRecordForLiveness {
  pid: number;
  startedAt: number;
  processStartMs?: number;
}

/**
 * True when the owner is provably gone: the pid is not running, or it now belongs to a process
 * that started at a different time (recorded start) or after the lock was written.
 */
export async function isOwnerGone(owner: OwnerRecordForLiveness): Promise<boolean> {
  const state = await processState(owner.pid);
  if (!state.alive) return true;
  if (state.startedAtMs === undefined) return false;
  if (owner.processStartMs !== undefined) {
    return Math.abs(state.startedAtMs - owner.processStartMs) > START_TIME_TOLERANCE_MS;
  }
  return state.startedAtMs > owner.startedAt + START_TIME_TOLERANCE_MS;
}
