import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  isOwnerGone,
  ownProcessStartMs,
  parseBootTime,
  parseProcStat,
  processState,
} from './process-liveness.js';

describe('process liveness', () => {
  it('parses /proc/<pid>/stat even when the command name has spaces and parentheses', () => {
    const fields = Array.from({ length: 30 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    fields[19] = '123456';
    expect(parseProcStat(`42 (we ird) (name)) ${fields.join(' ')}`)).toEqual({
      state: 'S',
      startTicks: 123456,
    });
    expect(parseProcStat('garbage')).toBeUndefined();
    expect(parseBootTime('cpu 1 2 3\nbtime 1700000000\nprocesses 5\n')).toBe(1_700_000_000);
  });

  it('sees this process alive, started in the past', async () => {
    const state = await processState(process.pid);
    expect(state.alive).toBe(true);
    if (process.platform === 'linux') {
      expect(state.startedAtMs).toBeLessThanOrEqual(Date.now());
      expect(await ownProcessStartMs()).toBe(state.startedAtMs);
    }
    expect(
      await isOwnerGone({
        pid: process.pid,
        startedAt: Date.now(),
        ...((await ownProcessStartMs()) === undefined
          ? {}
          : { processStartMs: await ownProcessStartMs() }),
      }),
    ).toBe(false);
  });

  it('sees a killed child as gone', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const pid = child.pid!;
    expect((await processState(pid)).alive).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await isOwnerGone({ pid, startedAt: Date.now() })).toBe(true);
  });

  it.runIf(process.platform === 'linux')(
    'treats a pid that now belongs to a later-started process as gone',
    async () => {
      const own = (await ownProcessStartMs())!;
      // The lock says: written by a process with this pid that started an hour earlier.
      expect(
        await isOwnerGone({
          pid: process.pid,
          startedAt: own - 3_600_000,
          processStartMs: own - 3_600_000,
        }),
      ).toBe(true);
      // Without a recorded start: the pid's process started after the lock was written.
      expect(await isOwnerGone({ pid: process.pid, startedAt: own - 3_600_000 })).toBe(true);
    },
  );
});
