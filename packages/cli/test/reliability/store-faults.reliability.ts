// Rows: the file store's file system fails under baton: the data dir becomes read-only, or the
// disk is full (a real tmpfs of 256 KiB mounted over the data dir: the kernel's EROFS and ENOSPC,
// nothing injected). baton says what is wrong, keeps every stored token readable and working,
// leaks none, and leaves no loose permissions.
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAuthRefresh } from '../../src/commands/auth/refresh.js';
import { startLocalStack, type LocalStack } from '../../src/commands/demo/local-stack.js';
import { cliSession, type CliSession } from './cli-session.js';
import { expectNoLeak, expectTightPermissions } from './checks.js';
import { mountTmpfs, unmountableReason, type MountedDir } from './mounted-dir.js';

let stack: LocalStack;
let s: CliSession | undefined;
let mounted: MountedDir | undefined;
let skipWhy: string | undefined;
beforeAll(async () => {
  skipWhy = await unmountableReason();
  if (skipWhy) console.log(`store-fault rows skipped: ${skipWhy}`);
  stack = await startLocalStack();
});
afterAll(async () => stack?.close());
afterEach(async () => {
  await mounted?.unmount();
  mounted = undefined;
  await s?.h.cleanup();
  s = undefined;
});

interface FsRow {
  name: string;
  fault: (m: MountedDir) => Promise<void>;
  heal: (m: MountedDir) => Promise<void>;
  /** What a login of a new bucket (and a refresh) says under the fault. */
  error: RegExp;
  bug?: string;
}

const READ_ONLY = {
  fault: (m: MountedDir) => m.readOnly(),
  heal: (m: MountedDir) => m.writable(),
};
const FULL = { fault: (m: MountedDir) => m.fill(), heal: (m: MountedDir) => m.free() };

const rows: FsRow[] = [
  {
    name: 'file store on a read-only directory',
    ...READ_ONLY,
    error: /EROFS: read-only file system, open '.*\/data\/locks\/local~c\.lock'/,
  },
  {
    name: 'disk full (tmpfs of 256 KiB filled up)',
    ...FULL,
    error: /ENOSPC: no space left on device/,
  },
  {
    name: 'disk full: the error names the data dir and says to free space',
    ...FULL,
    error: /\/data.*(free|space)/s,
  },
];

describe('file system faults under the file store', () => {
  for (const row of rows)
    (row.bug ? it.fails : it)(row.name, async (ctx) => {
      if (skipWhy) ctx.skip();
      s = await cliSession(stack, ['a', 'b', 'c']);
      mounted = await mountTmpfs(s.h.factory.paths.dataDir);
      expect(await s.login('a')).toBe(0);
      expect(await s.login('b')).toBe(0);
      const secrets = await s.secrets();
      await row.fault(mounted);

      const before = s.h.stderr().length;
      const login = await s.login('c');
      const loginText = s.h.stderr().slice(before);
      const refreshed = await s.h.run((factory) =>
        runAuthRefresh({ factory, provider: 'local', bucket: 'a' }),
      );
      const asked = await s.ask('served under the fault?');
      expect(login).not.toBe(0);
      expect(loginText).toMatch(row.error);
      // A refresh under the fault fails before it reaches the server (the lock is a write).
      expect(refreshed).not.toBe(0);
      // A request on a valid token needs no write: it is still served.
      expect(asked.code, asked.stderr).toBe(0);
      expect(asked.stdout).toBe('served under the fault?\n');

      // Every token stored before the fault still reads and works once the fault is gone.
      await row.heal(mounted);
      expect(await s.secrets()).toEqual(secrets);
      expect(
        await s.h.run((factory) => runAuthRefresh({ factory, provider: 'local', bucket: 'a' })),
      ).toBe(0);
      const after = await s.ask('after the fault');
      expect(after.code, after.stderr).toBe(0);
      expectNoLeak([s.h.stdout(), s.h.stderr()], [...secrets, ...(await s.secrets())]);
      await expectTightPermissions(path.dirname(s.h.factory.paths.dataDir));
    });
});
