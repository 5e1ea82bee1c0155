// The line protocol between the cross-process manager tests and their child processes
// (test/fixtures/manager-child.ts): one JSON command per stdin line, one JSON event per stdout line.
import { createHash } from 'node:crypto';

/** `get`: getOAuthToken. `force`: forceRefresh after a 401 on the token the child reads first. */
export interface ChildCommand {
  id: number;
  op: 'get' | 'force';
  provider: string;
  bucket: string;
}

/** What the child's manager did for one command, read from its debug log lines. */
export type RefreshRole = 'refreshed' | 'reused-other' | 'read-fresh';

export type ChildEvent =
  | { ev: 'ready'; pid: number }
  | {
      ev: 'done';
      id: number;
      pid: number;
      ok: true;
      /** Fingerprint of the access token (never the token itself). */
      fingerprint: string;
      role: RefreshRole;
      /** Epoch ms when the call settled. */
      at: number;
    }
  | { ev: 'done'; id: number; pid: number; ok: false; error: string; message: string; at: number };

const FINGERPRINT_LENGTH = 16;

/** A SHA-256 prefix of a token: lets processes compare tokens without printing them. */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, FINGERPRINT_LENGTH);
}
