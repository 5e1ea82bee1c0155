// The kernel advisory lock through fs-native-extensions (prebuilt binaries): OFD locks on Linux,
// flock on macOS, LockFileEx on Windows. Loaded on first use so importing the CLI stays cheap.
import { createRequire } from 'node:module';

/** The part of fs-native-extensions used here (the package ships no type declarations). */
export interface NativeLock {
  /** Takes an exclusive lock on the byte range without waiting; false when someone else holds it. */
  tryLock(fd: number, offset: number, length: number): boolean;
  unlock(fd: number, offset: number, length: number): void;
}

/**
 * The locked byte range lies far past the record at the start of the file: Windows locks are
 * mandatory, so locking the record itself would stop waiters from reading the holder's pid.
 */
export const LOCK_RANGE = { offset: 2 ** 30, length: 1 } as const;

let native: NativeLock | undefined;

export function loadNativeLock(): NativeLock {
  native ??= createRequire(import.meta.url)('fs-native-extensions') as NativeLock;
  return native;
}
