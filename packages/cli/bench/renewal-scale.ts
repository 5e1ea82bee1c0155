// Issue 15 item 5: 1,000 buckets scheduled for proactive renewal → the memory that adds, and whether
// the process still exits at once (its timers are unref'ed). Each count runs in a fresh child
// process started with --expose-gc, so the heap figures are settled and not mixed with other work.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ms, verdict, type Row } from './results.js';

const SECTION = '5. renewal scale';
const CHILD = fileURLToPath(new URL('./renewal-scale-child.ts', import.meta.url));
const COUNTS = [0, 1000] as const;
/** Longer than this between the last schedule() and the exit is not "at once". */
const EXIT_LIMIT_MS = 1_000;
/** A child still running after this is killed (its renewal timers held it). */
const KILL_AFTER_MS = 10_000;
const KB = 1024;

interface ChildReport {
  armed: number;
  heapAddedBytes: number;
  rssAddedBytes: number;
  scheduleMs: number;
  doneAt: number;
}

function runChild(count: number): Promise<ChildReport & { exitMs: number | undefined }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, '--expose-gc', CHILD, String(count)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => ((killed = true), child.kill('SIGKILL')), KILL_AFTER_MS);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', () => {
      const exitAt = Date.now();
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) return reject(new Error(`renewal child printed nothing: ${stderr.slice(-500)}`));
      const report = JSON.parse(line) as ChildReport;
      resolve({ ...report, exitMs: killed ? undefined : exitAt - report.doneAt });
    });
  });
}

export async function renewalScale(): Promise<Row[]> {
  const [control, loaded] = [await runChild(COUNTS[0]), await runChild(COUNTS[1])];
  const heapKb = (loaded.heapAddedBytes - control.heapAddedBytes) / KB;
  const exit = loaded.exitMs;
  return [
    {
      section: SECTION,
      figure: `${COUNTS[1]} buckets armed: memory added`,
      value: `heap +${heapKb.toFixed(0)} KB (${((heapKb * KB) / COUNTS[1]).toFixed(0)} B per bucket), RSS +${(loaded.rssAddedBytes / KB).toFixed(0)} KB; scheduled in ${ms(loaded.scheduleMs)}`,
      data: { control, loaded },
    },
    {
      section: SECTION,
      figure: `${COUNTS[1]} buckets armed: exit after the last schedule`,
      value:
        exit === undefined
          ? `did not exit within ${KILL_AFTER_MS} ms (killed)`
          : `${ms(exit)} (${loaded.armed} timers armed; ${ms(control.exitMs ?? Number.NaN)} with none)`,
      target: `exits at once (< ${EXIT_LIMIT_MS} ms)`,
      verdict: verdict(exit !== undefined && exit < EXIT_LIMIT_MS && loaded.armed === COUNTS[1]),
    },
  ];
}
