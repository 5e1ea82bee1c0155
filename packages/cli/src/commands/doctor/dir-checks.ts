// Doctor checks for baton's directories: present (or creatable), owned by this user, and private
// (0700), since the data dir holds token files and locks.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PRIVATE_DIR_MODE } from '../../util/atomic-write.js';
import { fail, ok, warn, type CheckResult } from './check.js';

const isPosix = process.platform !== 'win32';

const octal = (mode: number): string => (mode & 0o777).toString(8).padStart(3, '0');

/** Checks one directory; a missing one is fine when its parent can hold it. */
export async function checkPrivateDir(name: string, dir: string): Promise<CheckResult> {
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return fail(
        name,
        `${dir}: ${(error as Error).message}`,
        `check that ${dir} is readable by you`,
      );
    }
    return ok(name, `${dir} (not created yet; baton creates it as 0700 on first use)`);
  }
  if (!stat.isDirectory()) {
    return fail(
      name,
      `${dir} is not a directory`,
      `move ${dir} away so baton can create the directory`,
    );
  }
  if (!isPosix) return ok(name, dir);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    return fail(
      name,
      `${dir} belongs to uid ${stat.uid}, not to you (uid ${uid})`,
      `chown -R ${uid} ${dir}`,
    );
  }
  if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) {
    return warn(
      name,
      `${dir} is mode ${octal(stat.mode)}; others on this machine may list it`,
      `chmod 700 ${dir}`,
    );
  }
  try {
    await fs.access(dir, fs.constants.W_OK);
  } catch {
    return fail(name, `${dir} is not writable`, `chmod u+w ${dir}`);
  }
  return ok(name, `${dir} (mode ${octal(stat.mode)})`);
}

/** The lock dir must accept a file, since refresh and login lock through one. */
export async function checkLockDir(locksDir: string): Promise<CheckResult> {
  const base = await checkPrivateDir('lock dir', locksDir);
  if (base.status === 'fail') return base;
  const exists = await fs.stat(locksDir).then(
    () => true,
    () => false,
  );
  if (!exists) return base;
  const probe = path.join(locksDir, `.doctor-${process.pid}.probe`);
  try {
    await fs.writeFile(probe, '', { mode: 0o600 });
    await fs.rm(probe, { force: true });
  } catch (error) {
    return fail(
      'lock dir',
      `cannot create a lock file in ${locksDir}: ${(error as Error).message}`,
      `chmod 700 ${locksDir}`,
    );
  }
  return base;
}
