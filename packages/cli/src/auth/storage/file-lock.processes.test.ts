// FileLock across real processes: eight contenders, holders killed with SIGKILL while waiters wait,
// and a holder in another PID namespace. Times are CLOCK_MONOTONIC ns, shared by all processes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureNodeArgs, spawnFixture } from '../../../test/keyring-bus.js';
import { FileLock, LockTimeoutError } from './file-lock.js';
import { LOCK_RANGE } from './native-lock.js';

interface WorkerEvent {
  pid: number;
  ev: 'ready' | 'trying' | 'acq' | 'rel' | 'done' | 'error';
  tag?: string;
  round?: number;
  t?: string;
  overlap?: boolean;
  message?: string;
}

/** Short retry delays so a handoff takes milliseconds (the defaults are 100 ms doubling to 1 s). */
const FAST_BACKOFF = { initialDelayMs: 5, maxDelayMs: 20, jitterRatio: 0.1 };
const WORKERS = 8;
const ROUNDS = 5;
const KILL_TRIALS = 25;

/** A long-lived contender process (startup costs ~1 s, so it is reused across jobs). */
class Worker {
  readonly events: WorkerEvent[] = [];
  private listeners: Array<() => void> = [];
  constructor(readonly child: ChildProcess) {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.events.push(JSON.parse(line) as WorkerEvent);
      for (const listener of this.listeners) listener();
    });
  }

  send(job: { tag: string; key: string; rounds: number; holdMs: number }): void {
    this.child.stdin!.write(`${JSON.stringify({ ...job, backoff: FAST_BACKOFF })}\n`);
  }

  until(predicate: (e: WorkerEvent) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const error = this.events.find((e) => e.ev === 'error');
        if (error) reject(new Error(`worker failed: ${error.message}`));
        else if (this.events.some(predicate)) resolve();
        else return;
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
      check();
    });
  }
}

interface Interval {
  pid: number;
  start: bigint;
  end: bigint;
  overlap: boolean;
}

function intervals(workers: Worker[], tag: string): Interval[] {
  return workers
    .flatMap((w) => {
      const acq = w.events.filter((e) => e.ev === 'acq' && e.tag === tag);
      const rel = w.events.filter((e) => e.ev === 'rel' && e.tag === tag);
      return acq.map((a, i) => ({
        pid: a.pid,
        start: BigInt(a.t!),
        end: BigInt(rel[i]!.t!),
        overlap: a.overlap === true,
      }));
    })
    .sort((a, b) => (a.start < b.start ? -1 : 1));
}

/** Pairs of consecutive holds where the next began before the previous ended, plus marker hits. */
function countOverlaps(list: Interval[]): number {
  let overlaps = list.filter((i) => i.overlap).length;
  for (let i = 1; i < list.length; i++) if (list[i]!.start < list[i - 1]!.end) overlaps++;
  return overlaps;
}

let root: string;
let dir: string;
let workers: Worker[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'baton-lockproc-'));
  dir = path.join(root, 'locks');
  workers = Array.from(
    { length: WORKERS },
    () => new Worker(spawnFixture('storage-lock-worker.ts', [dir], process.env)),
  );
  const started = Date.now();
  await Promise.all(workers.map((w) => w.until((e) => e.ev === 'ready')));
  console.log(`lock workers: ${WORKERS} processes ready in ${Date.now() - started} ms`);
}, 180_000);

afterAll(async () => {
  for (const w of workers) {
    w.child.stdin!.end();
    w.child.kill('SIGKILL');
  }
  await rm(root, { recursive: true, force: true });
});

/**
 * A holder that is not a FileLock user: plain node taking the same kernel lock, so that 25 of them
 * start quickly. It waits for a line on stdin, takes the lock, prints HELD and sleeps until killed.
 */
function spawnRawHolder(file: string): ChildProcess {
  const binding = createRequire(import.meta.url).resolve('fs-native-extensions');
  const script = `
    const fs = require('node:fs');
    const native = require(${JSON.stringify(binding)});
    process.stdin.once('data', () => {
    const fd = fs.openSync(${JSON.stringify(file)}, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    if (!native.tryLock(fd, ${LOCK_RANGE.offset}, ${LOCK_RANGE.length})) { console.log('BUSY'); process.exit(1); }
    fs.ftruncateSync(fd, 0);
    fs.writeSync(fd, JSON.stringify({ pid: process.pid, hostname: 'raw-holder', startedAt: Date.now() }), 0);
    console.log('HELD');
    setInterval(() => {}, 60000);
    });`;
  return spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
}

async function firstLine(child: ChildProcess): Promise<string> {
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return chunk.toString().trim();
}

describe('FileLock across real processes', { timeout: 120_000 }, () => {
  it(`${WORKERS} processes contending over ${ROUNDS} rounds never hold the lock at once`, async () => {
    const tag = 'contend';
    for (const w of workers)
      w.send({ tag, key: 'anthropic:contended', rounds: ROUNDS, holdMs: 10 });
    await Promise.all(workers.map((w) => w.until((e) => e.ev === 'done' && e.tag === tag)));
    const holds = intervals(workers, tag);
    const overlaps = countOverlaps(holds);
    console.log(
      `lock contention: ${WORKERS} processes x ${ROUNDS} rounds = ${holds.length} holds, ${overlaps} overlaps`,
    );
    expect(holds).toHaveLength(WORKERS * ROUNDS);
    expect(new Set(holds.map((h) => h.pid)).size).toBe(WORKERS);
    expect(overlaps).toBe(0);
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P09
   * @requirement REQ-1598-LK01
   */
  it(`a holder killed with SIGKILL while 3-6 waiters wait: one at a time, ${KILL_TRIALS} trials`, async () => {
    const lock = new FileLock({ dir });
    const key = 'anthropic:killed';
    let overlaps = 0;
    let waits = 0;
    // Later trials' holders start while earlier trials run, so their startup costs little time.
    const AHEAD = 3;
    const spawned = Array.from({ length: Math.min(AHEAD, KILL_TRIALS) }, () =>
      spawnRawHolder(lock.lockPath(key)),
    );
    for (let trial = 0; trial < KILL_TRIALS; trial++) {
      const holder = spawned[trial]!;
      if (trial + AHEAD < KILL_TRIALS) spawned.push(spawnRawHolder(lock.lockPath(key)));
      holder.stdin!.write('go\n');
      expect(await firstLine(holder)).toBe('HELD');
      const waiters = workers.slice(0, 3 + (trial % 4));
      const tag = `kill-${trial}`;
      for (const w of waiters) w.send({ tag, key, rounds: 1, holdMs: 5 });
      await Promise.all(waiters.map((w) => w.until((e) => e.ev === 'trying' && e.tag === tag)));
      await new Promise((resolve) => setTimeout(resolve, 30)); // a few retries against a live holder
      expect(intervals(waiters, tag)).toEqual([]); // nobody got past the live holder
      const killedAt = process.hrtime.bigint();
      const exited = once(holder, 'exit');
      holder.kill('SIGKILL');
      await exited;
      await Promise.all(waiters.map((w) => w.until((e) => e.ev === 'done' && e.tag === tag)));
      const holds = intervals(waiters, tag);
      expect(holds).toHaveLength(waiters.length);
      expect(holds.every((h) => h.start > killedAt)).toBe(true);
      overlaps += countOverlaps(holds);
      waits += waiters.length;
    }
    console.log(
      `lock SIGKILL: ${KILL_TRIALS} trials, ${waits} waiters served after the kill, ${overlaps} overlaps`,
    );
    expect(overlaps).toBe(0);
  });
});

function canUnsharePid(): boolean {
  if (process.platform !== 'linux') return false;
  const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], {
    stdio: 'ignore',
    timeout: 10_000,
  });
  return probe.status === 0;
}

const UNSHARE = canUnsharePid();
if (!UNSHARE) {
  console.log(
    'PID-namespace lock test skipped: `unshare --pid --fork --mount-proc` is not available here (needs Linux and root or user namespaces)',
  );
}

describe.skipIf(!UNSHARE)('FileLock and PID namespaces', { timeout: 60_000 }, () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P09
   * @requirement REQ-1598-LK01
   */
  it('a holder in another PID namespace (pid 1 there) is waited for, never robbed', async () => {
    const key = 'anthropic:namespaced';
    const holder = spawn(
      'unshare',
      [
        '--pid',
        '--fork',
        '--mount-proc',
        process.execPath,
        ...fixtureNodeArgs('lock-holder.ts', [dir, key, '3000']),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    holder.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = once(holder, 'exit');
    while (!/ACQUIRED/.test(out)) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(out).toMatch(/ACQUIRED \d+ 1\n/); // it is pid 1 in its own namespace

    const impatient = await new FileLock({ dir, waitMs: 500 })
      .acquire(key)
      .catch((e: unknown) => e);
    expect(impatient).toBeInstanceOf(LockTimeoutError);
    expect((impatient as Error).message).toMatch(
      /^another baton process is refreshing anthropic\/namespaced \(pid 1 on /,
    );

    const patient = await new FileLock({ dir, waitMs: 20_000 }).acquire(key);
    const acquiredAt = Date.now();
    await patient.release();
    await exited;
    const releasingAt = Number(/RELEASING (\d+)/.exec(out)?.[1]);
    expect(acquiredAt).toBeGreaterThanOrEqual(releasingAt);
  });
});
