// The three checks every reliability row ends with: no token leaked into any captured text, the
// store still holds a working token where it held one, and nothing under a baton dir is readable
// by others (files 0600, dirs 0700).
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { OAuthToken } from '@baton/core';

/** Every secret value a token carries (access, refresh, id token). */
export function secretsOf(...tokens: (OAuthToken | null | undefined)[]): string[] {
  return tokens
    .flatMap((t) => [t?.access_token, t?.refresh_token, t?.id_token as string | undefined])
    .filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/** Greps every captured text (stdout, stderr, logs, error messages) for every secret. */
export function expectNoLeak(texts: readonly string[], secrets: readonly string[]): void {
  expect(secrets.length, 'the row must know which secrets to look for').toBeGreaterThan(0);
  const all = texts.join('\n');
  for (const secret of secrets) {
    expect(all.includes(secret), `a token value appears in the output`).toBe(false);
  }
}

/** An error as a user or a log would see it: message, cause chain and own fields. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, JSON.stringify({ ...current }));
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : JSON.stringify(current));
      break;
    }
  }
  return parts.join('\n');
}

/** Walks `root` and lists every entry whose mode lets group or others read, write or enter it. */
export async function loosePermissions(root: string): Promise<string[]> {
  const loose: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const stats = await lstat(full).catch(() => undefined);
      if (!stats || stats.isSymbolicLink()) continue;
      if ((stats.mode & 0o077) !== 0) {
        loose.push(`${path.relative(root, full)} ${(stats.mode & 0o777).toString(8)}`);
      }
      if (stats.isDirectory()) await walk(full);
    }
  };
  await walk(root);
  return loose;
}

export async function expectTightPermissions(root: string): Promise<void> {
  expect(await loosePermissions(root)).toEqual([]);
}
