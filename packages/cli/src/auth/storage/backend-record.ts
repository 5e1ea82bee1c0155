// The sticky backend choice: `auto` decides once (keychain or files) and writes it to the data dir,
// so a keychain that later hangs or vanishes is an outage to report, not a silent switch to files.
import path from 'node:path';
import { z } from 'zod';
import { JsonFileError, readJsonFile, writeJsonFile } from '../../util/atomic-write.js';

export const BACKEND_RECORD_FILE = 'store-backend.json';
export const BACKEND_RECORD_VERSION = 1;

export const BackendRecordSchema = z.object({
  version: z.literal(BACKEND_RECORD_VERSION),
  backend: z.enum(['keychain', 'file']),
  /** Epoch ms of the decision. */
  decidedAt: z.number(),
  /** Why, in one line (for `auth status` and `doctor`). */
  reason: z.string(),
});
export type BackendRecord = z.output<typeof BackendRecordSchema>;

export function backendRecordPath(dataDir: string): string {
  return path.join(dataDir, BACKEND_RECORD_FILE);
}

/** The recorded choice; undefined when none was made yet. A damaged record is reported, not used. */
export async function readBackendRecord(
  dataDir: string,
): Promise<{ record?: BackendRecord; problem?: string }> {
  try {
    const record = await readJsonFile(backendRecordPath(dataDir), BackendRecordSchema);
    return record ? { record } : {};
  } catch (error) {
    if (error instanceof JsonFileError) return { problem: error.message };
    throw error;
  }
}

export async function writeBackendRecord(
  dataDir: string,
  record: Omit<BackendRecord, 'version'>,
): Promise<BackendRecord> {
  const full: BackendRecord = { version: BACKEND_RECORD_VERSION, ...record };
  await writeJsonFile(backendRecordPath(dataDir), full);
  return full;
}
