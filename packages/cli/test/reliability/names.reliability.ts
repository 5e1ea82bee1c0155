// Rows: invalid provider and bucket names (`../x`, a NUL byte, 65 characters) given to `auth
// login`, `auth refresh` and `profile create`. Each is refused with the rule it broke, before any
// file is written or any server is called; the existing token is untouched and nothing leaks.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuthLogin } from '../../src/commands/auth/login.js';
import { runAuthRefresh } from '../../src/commands/auth/refresh.js';
import { startLocalStack, type LocalStack } from '../../src/commands/demo/local-stack.js';
import { runProfileCreate } from '../../src/commands/profile/create.js';
import type { Factory } from '../../src/commands/factory.js';
import { cliSession, type CliSession } from './cli-session.js';
import { expectNoLeak, expectTightPermissions } from './checks.js';

let stack: LocalStack;
let s: CliSession;
let secrets: string[];
beforeAll(async () => {
  stack = await startLocalStack();
  s = await cliSession(stack, ['a']);
  expect(await s.login('a')).toBe(0);
  secrets = await s.secrets();
});
afterAll(async () => {
  await s?.h.cleanup();
  await stack?.close();
});

async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.map((e) => path.join(root, e)).sort();
}

const BAD_NAMES: [string, string][] = [
  ['../x', '../x'],
  ['a NUL byte', 'a\u0000b'],
  ['65 characters', 'x'.repeat(65)],
];

const COMMANDS: [string, (factory: Factory, name: string) => Promise<unknown>][] = [
  [
    'auth login <provider>',
    (factory, name) => runAuthLogin({ factory, provider: name, bucket: 'a', intervalMs: 50 }),
  ],
  [
    'auth login --bucket',
    (factory, name) => runAuthLogin({ factory, provider: 'local', bucket: name, intervalMs: 50 }),
  ],
  [
    'auth refresh --bucket',
    (factory, name) => runAuthRefresh({ factory, provider: 'local', bucket: name }),
  ],
  [
    'profile create --bucket',
    (factory, name) =>
      runProfileCreate({ factory, name: 'p2', provider: 'local', model: 'm', buckets: [name] }),
  ],
];

const rows = COMMANDS.flatMap(([command, run]) =>
  BAD_NAMES.map(([label, name]) => ({ title: `${command} ${label}`, run, name })),
);

describe('invalid names', () => {
  it.each(rows)('$title', async ({ run, name }) => {
    const files = await tree(s.h.root);
    const calls = stack.server.counters.total;
    const before = s.h.stderr().length;
    const code = await s.h.run(async (factory) => void (await run(factory, name)));
    const said = s.h.stderr().slice(before);
    // Refused as a usage error, with the rule, and a NUL shown escaped rather than written raw.
    expect(code).toBe(2);
    expect(said).toMatch(/invalid (provider|bucket) name|invalid profile: buckets\.0/);
    expect(said).toContain('1 to 64 characters');
    expect(said).not.toContain('\u0000');
    expect(stack.server.counters.total).toBe(calls);
    expect(await tree(s.h.root)).toEqual(files);
    expect(await s.secrets()).toEqual(secrets);
    expectNoLeak([s.h.stdout(), s.h.stderr()], secrets);
    await expectTightPermissions(s.h.root);
  });
});
