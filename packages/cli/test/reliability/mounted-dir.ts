// A tiny tmpfs mounted over a baton data dir, for the rows that need a real read-only or full file
// system (EROFS, ENOSPC from the kernel rather than an injected error). Needs root; `mountable()`
// says whether this machine allows it, so that rows can skip with a note instead of failing.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MountedDir {
  dir: string;
  readOnly(): Promise<void>;
  writable(): Promise<void>;
  /** Fills the file system up to its last byte with filler files. */
  fill(): Promise<void>;
  /** Removes the filler files again. */
  free(): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountTmpfs(dir: string, sizeKb = 256): Promise<MountedDir> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700`, 'tmpfs', dir]);
  return {
    dir,
    readOnly: async () => void (await run('mount', ['-o', 'remount,ro', dir])),
    writable: async () => void (await run('mount', ['-o', 'remount,rw', dir])),
    fill: async () => {
      // Block by block until the kernel says ENOSPC: the file system then holds not one free byte.
      const filler = path.join(dir, 'filler');
      const block = Buffer.alloc(1024);
      for (let i = 0; ; i++) {
        try {
          await writeFile(`${filler}-${i}`, block, { mode: 0o600 });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
          throw error;
        }
      }
    },
    free: async () => {
      for (const name of await readdir(dir)) {
        if (name.startsWith('filler-')) await rm(path.join(dir, name));
      }
    },
    unmount: async () => {
      await run('umount', [dir]);
      await rmdir(dir).catch(() => undefined);
    },
  };
}

let answer: Promise<string | undefined> | undefined;
/** undefined when a tmpfs can be mounted here, else why not. */
export function unmountableReason(): Promise<string | undefined> {
  answer ??= (async () => {
    const probe = await mkdtemp(path.join(tmpdir(), 'baton-mount-probe-'));
    try {
      const mounted = await mountTmpfs(path.join(probe, 'm'), 64);
      await mounted.unmount();
      return undefined;
    } catch (error) {
      return `cannot mount a tmpfs here (${(error as Error).message.split('\n')[0]})`;
    } finally {
      await rmdir(probe).catch(() => undefined);
    }
  })();
  return answer;
}
