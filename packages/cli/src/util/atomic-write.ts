// Crash-safe file writes (temp file in the same dir + fsync + rename, 0600 files in 0700 dirs) and
// a JSON reader that names the file and the field on bad content and never rewrites what it read.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;
const isPosix = process.platform !== 'win32';

/** Creates the dir (and parents) as 0700; tightens the leaf to 0700 if it already existed. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (isPosix) {
    const stat = await fs.stat(dir);
    if ((stat.mode & 0o777) !== PRIVATE_DIR_MODE) await fs.chmod(dir, PRIVATE_DIR_MODE);
  }
}

/** Suffix of in-flight temp files; readers that list a directory skip these. */
export const TEMP_SUFFIX = '.tmp';

export function isTempFile(name: string): boolean {
  return name.endsWith(TEMP_SUFFIX);
}

/**
 * Writes `data` so that readers see either the old content or the whole new content, never a
 * part: a private temp file in the same dir is written and fsynced, then renamed over the target.
 */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(filePath);
  await ensurePrivateDir(dir);
  const temp = path.join(
    dir,
    `.${path.basename(filePath)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`,
  );
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', PRIVATE_FILE_MODE);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, filePath);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDir(dir);
}

/** Makes the rename itself durable (POSIX); best effort, some filesystems refuse it. */
async function syncDir(dir: string): Promise<void> {
  if (!isPosix) return;
  const handle = await fs.open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close().catch(() => undefined);
}

export type JsonFileErrorKind = 'io' | 'syntax' | 'schema';

/** A JSON file that could not be used; the message names the file and, for schema errors, the field. */
export class JsonFileError extends Error {
  override readonly name = 'JsonFileError';
  constructor(
    message: string,
    readonly filePath: string,
    readonly kind: JsonFileErrorKind,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Reads and validates a JSON file. Missing file → undefined. Unreadable, malformed or invalid
 * content → JsonFileError naming the file (and the first bad field); the file is left untouched.
 */
export async function readJsonFile<S extends z.ZodType>(
  filePath: string,
  schema: S,
): Promise<z.output<S> | undefined> {
  let text: string;
  try {
    text = await fs.readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new JsonFileError(
      `cannot read ${filePath}: ${(error as Error).message}`,
      filePath,
      'io',
      undefined,
      {
        cause: error,
      },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new JsonFileError(
      `${filePath} is not valid JSON: ${(error as Error).message}`,
      filePath,
      'syntax',
      undefined,
      {
        cause: error,
      },
    );
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new JsonFileError(
      `${filePath}: field ${field}: ${issue?.message ?? 'invalid value'}`,
      filePath,
      'schema',
      field,
    );
  }
  return result.data;
}

/** Serialises with a trailing newline and writes atomically. */
export async function writeJsonFile(filePath: string, value: unknown): Promise<void> {
  await writeFileAtomic(filePath, `${JSON.stringify(value, null, 2)}\n`);
}
