// Reading and writing the store's private files safely: only regular files are read (a FIFO cannot
// hang a read, a symlink is not followed), loose permissions are tightened and reported, writes are
// atomic, and temp files of a killed writer are removed by the next write. A writer holds a kernel
// lock on its temp file, so a temp file that can be locked belongs to nobody.
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE, ensurePrivateDir } from '../../util/atomic-write.js';
import { LOCK_RANGE, loadNativeLock } from './native-lock.js';

const isPosix = process.platform !== 'win32';
/** Opening never follows a symlink and never blocks on a FIFO (0 where the flag does not exist). */
const NO_FOLLOW = fsConstants.O_NOFOLLOW ?? 0;
const READ_FLAGS = fsConstants.O_RDONLY | NO_FOLLOW | (fsConstants.O_NONBLOCK ?? 0);
const TEMP_SUFFIX = '.tmp';

/** The path exists but is not a regular file (FIFO, socket, directory, device or symlink). */
export class NotRegularFileError extends Error {
  override readonly name = 'NotRegularFileError';
  constructor(
    readonly filePath: string,
    readonly kind: string,
  ) {
    super(`${filePath} is a ${kind}, not a regular file; it is not read`);
  }
}

export type WarningSink = (message: string) => void;

function kindOf(stat: { isFIFO(): boolean; isDirectory(): boolean; isSocket(): boolean }): string {
  if (stat.isFIFO()) return 'FIFO';
  if (stat.isDirectory()) return 'directory';
  if (stat.isSocket()) return 'socket';
  return 'special file';
}

/**
 * The file's content, or null when it does not exist. A file readable or writable by others is
 * tightened to 0600 and reported through `warn`.
 */
export async function readPrivateFile(file: string, warn?: WarningSink): Promise<Buffer | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new NotRegularFileError(file, 'symlink');
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new NotRegularFileError(file, kindOf(stat));
    const mode = stat.mode & 0o777;
    if (isPosix && (mode & 0o077) !== 0) {
      await handle.chmod(PRIVATE_FILE_MODE);
      warn?.(
        `${file} was open to other users (mode ${mode.toString(8).padStart(4, '0')}); tightened to 0600`,
      );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Temp files of `file`: `.<name>.<random>.tmp` beside it (older versions added a pid). */
function isTempOf(name: string, base: string): boolean {
  return name.startsWith(`.${base}.`) && name.endsWith(TEMP_SUFFIX);
}

/** Removes temp files of `file` that no live writer holds. Returns how many were removed. */
export async function removeStaleTemps(file: string): Promise<number> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const native = loadNativeLock();
  let removed = 0;
  for (const name of names.filter((n) => isTempOf(n, base))) {
    const temp = path.join(dir, name);
    const handle = await fs.open(temp, fsConstants.O_RDWR | NO_FOLLOW).catch(() => undefined);
    if (!handle) continue;
    try {
      if (native.tryLock(handle.fd, LOCK_RANGE.offset, LOCK_RANGE.length)) {
        await fs.rm(temp, { force: true });
        removed++;
      }
    } finally {
      await handle.close();
    }
  }
  return removed;
}

export interface WriteOptions {
  /** Write only if the file still holds exactly this (checked just before the rename). */
  unlessChangedFrom?: Buffer;
}

/**
 * Writes `data` so that readers see the old content or the whole new one: a locked temp file in
 * the same 0700 dir, fsynced, renamed over the target. Returns false when `unlessChangedFrom` no
 * longer matched and nothing was written.
 */
export async function writePrivateFile(
  file: string,
  data: string,
  options: WriteOptions = {},
): Promise<boolean> {
  const dir = path.dirname(file);
  await ensurePrivateDir(dir);
  await removeStaleTemps(file);
  // A cleaner can only take a temp file between our close and rename (Windows, where an open
  // file cannot be renamed); the rename then fails with ENOENT and the write is done again.
  for (let attempt = 0; ; attempt++) {
    try {
      return await writeOnce(file, data, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 2) throw error;
    }
  }
}

async function writeOnce(file: string, data: string, options: WriteOptions): Promise<boolean> {
  const dir = path.dirname(file);
  const temp = path.join(
    dir,
    `.${path.basename(file)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`,
  );
  const native = loadNativeLock();
  const flags = fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL | NO_FOLLOW;
  const handle = await fs.open(temp, flags, PRIVATE_FILE_MODE);
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) await handle.close();
    closed = true;
  };
  try {
    native.tryLock(handle.fd, LOCK_RANGE.offset, LOCK_RANGE.length); // new file: always ours
    await handle.writeFile(data);
    await handle.sync();
    if (options.unlessChangedFrom) {
      const current = await readPrivateFile(file).catch(() => null);
      if (!current || !current.equals(options.unlessChangedFrom)) {
        await fs.rm(temp, { force: true });
        return false;
      }
    }
    if (!isPosix) await close();
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  } finally {
    await close();
  }
  await syncDir(dir);
  return true;
}

/** Makes the rename itself durable (POSIX); best effort, some file systems refuse it. */
async function syncDir(dir: string): Promise<void> {
  if (!isPosix) return;
  const handle = await fs.open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close().catch(() => undefined);
}
