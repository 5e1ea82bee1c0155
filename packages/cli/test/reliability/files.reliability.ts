// Rows: damaged files under the config and data dirs (a corrupt token entry, a corrupt ledger, a
// half-written or wrongly typed profile or settings file). baton names the file (and the field),
// overwrites nothing, keeps the other bucket's token working, leaks no token, stays 0600/0700.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../src/commands/demo/local-stack.js';
import { cliSession, type CliSession } from './cli-session.js';
import { expectNoLeak, expectTightPermissions } from './checks.js';

let stack: LocalStack;
let s: CliSession | undefined;
beforeAll(async () => {
  stack = await startLocalStack();
});
afterAll(async () => stack?.close());
afterEach(async () => {
  await s?.h.cleanup();
  s = undefined;
});

interface FileRow {
  name: string;
  /** The damaged file, given the session. */
  file: (s: CliSession) => string;
  content: string;
  /** `ask` then: answered (by this bucket's account) or refused with an error matching. */
  ask: { answered: true } | { error: RegExp };
  /** A known bug: the row runs as `it.fails` until it is fixed (see the comment on the row). */
  bug?: string;
}

const profileFile = (x: CliSession): string =>
  path.join(x.h.factory.paths.configDir, 'profiles', 'work.json');
const settingsFile = (x: CliSession): string =>
  path.join(x.h.factory.paths.configDir, 'settings.json');

const rows: FileRow[] = [
  {
    name: 'a corrupt token entry on the second bucket',
    file: (x) => x.tokenFile('b'),
    content: 'this is not an encrypted token file',
    ask: { answered: true },
  },
  {
    // BEHAVIOR: a corrupt entry reads as no-token for that bucket only, other buckets unaffected.
    name: 'a corrupt token entry on the first bucket (fails over to b)',
    file: (x) => x.tokenFile('a'),
    content: 'this is not an encrypted token file',
    ask: { answered: true },
  },
  {
    name: 'a corrupt cooldown ledger',
    file: (x) => x.h.factory.paths.cooldownsFile,
    content: '{"local": {"a": {"reason": ',
    ask: { answered: true },
  },
  {
    name: 'a half-written profile file',
    file: profileFile,
    content: '{"name": "work", "provider": "lo',
    ask: { error: /is not valid JSON/ },
  },
  {
    name: 'a profile file with a wrongly typed field',
    file: profileFile,
    content: JSON.stringify({ name: 'work', provider: 'local', model: 'm', buckets: 'a' }),
    ask: { error: /buckets/ },
  },
  {
    name: 'a half-written settings file',
    file: settingsFile,
    content: '{"activeProfile": "wo',
    ask: { error: /is not valid JSON/ },
  },
  {
    name: 'a settings file with a wrongly typed field',
    file: settingsFile,
    content: JSON.stringify({ activeProfile: 42 }),
    ask: { error: /activeProfile/ },
  },
];

describe('damaged files', () => {
  for (const row of rows)
    (row.bug ? it.fails : it)(row.name, async () => {
      s = await cliSession(stack);
      expect(await s.login('a')).toBe(0);
      expect(await s.login('b')).toBe(0);
      const secrets = await s.secrets();
      const file = row.file(s);
      await writeFile(file, row.content, { mode: 0o600 });

      const asked = await s.ask('still there?');
      const status = await s.status();
      // `auth status` either reports or names the damaged file too.
      if (status.code !== 0) expect(status.stderr).toContain(file);
      if ('answered' in row.ask) {
        expect(asked.code, asked.stderr).toBe(0);
        expect(asked.stdout).toBe('still there?\n');
      } else {
        expect(asked.code).not.toBe(0);
        expect(asked.stderr).toContain(file);
        expect(asked.stderr).toMatch(row.ask.error);
      }
      // Nothing overwritten: the damaged file is as it was, for the person to look at.
      expect(await readFile(file, 'utf8')).toBe(row.content);
      expectNoLeak([s.h.stdout(), s.h.stderr()], secrets);
      await expectTightPermissions(s.h.root);
    });
});
