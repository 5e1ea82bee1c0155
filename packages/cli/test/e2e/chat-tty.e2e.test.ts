// The chat REPL in a real pseudo-terminal (tmux): two turns with a failover in the second, then
// Ctrl-C in the middle of a stalled answer cancels it and the session goes on; Ctrl-D leaves.
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../src/commands/demo/local-stack.js';
import { BATON_BIN, batonHome, type BatonHome } from './baton-process.js';

const HAS_TMUX = spawnSync('sh', ['-c', 'command -v tmux']).status === 0;
const SOCKET = `baton-test-${process.pid}`;
const SESSION = 'chat';
const HOUR_MS = 60 * 60_000;

let stack: LocalStack;
let home: BatonHome;

const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION, '-S', '-200');
const alive = (): boolean =>
  spawnSync('tmux', ['-L', SOCKET, 'has-session', '-t', SESSION]).status === 0;

async function waitFor(
  test: (text: string) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = alive() ? screen() : text;
    if (test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
}

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

beforeAll(async () => {
  if (!HAS_TMUX) return;
  stack = await startLocalStack();
  stack.emulator.setQuota('acct-a', { requestsPerWindow: 1, windowMs: HOUR_MS, mode: '429' });
  home = await batonHome();
  await home.writeProvider('local', stack.provider('local'));
  const created = await home.run([
    'profile',
    'create',
    'tty',
    '--provider',
    'local',
    '--model',
    'm',
    '--bucket',
    'a',
    '--bucket',
    'b',
  ]);
  if (created.code !== 0) throw new Error(created.stderr);
  const logins = await Promise.all([
    home.login('local', 'a', stack.server, 'acct-a'),
    home.login('local', 'b', stack.server, 'acct-b'),
  ]);
  for (const login of logins) if (login.code !== 0) throw new Error(login.stderr);
});

afterAll(async () => {
  if (!HAS_TMUX) return;
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  await home?.cleanup();
  await stack?.close();
});

describe.skipIf(!HAS_TMUX)('baton chat in a terminal', { timeout: 120_000 }, () => {
  it('streams two turns, fails over in the second, survives Ctrl-C and leaves on Ctrl-D', async () => {
    const env = Object.entries(home.env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${shellQuote(v!)}`)
      .join(' ');
    tmux(
      'new-session',
      '-d',
      '-s',
      SESSION,
      '-x',
      '160',
      '-y',
      '50',
      `env -i ${env} ${shellQuote(process.execPath)} ${shellQuote(BATON_BIN)} chat`,
    );
    await waitFor((s) => /^>\s*$/m.test(s), 'the first prompt');

    tmux('send-keys', '-t', SESSION, 'hello from turn one', 'Enter');
    await waitFor((s) => /^hello from turn one$/m.test(s), 'the first answer');

    tmux('send-keys', '-t', SESSION, 'and turn two', 'Enter');
    const second = await waitFor((s) => /^and turn two$/m.test(s), 'the second answer');
    expect(second).toMatch(/bucket a out of quota until \d\d:\d\d → using b/);

    // The next answer stalls after its first word; Ctrl-C cancels it and the prompt returns.
    stack.emulator.stallStreamAfter(1, 1, { account: 'acct-b' });
    tmux('send-keys', '-t', SESSION, 'stall here please', 'Enter');
    await waitFor((s) => /^stall\s*$/m.test(s), 'the partial answer');
    tmux('send-keys', '-t', SESSION, 'C-c');
    await waitFor((s) => s.includes('(answer cancelled)'), 'the cancel note');
    await stack.emulator.waitForClientClose(1);

    tmux('send-keys', '-t', SESSION, '/status', 'Enter');
    await waitFor((s) => /\* b\s+oauth/.test(s), 'the status lines');

    tmux('send-keys', '-t', SESSION, 'still here', 'Enter');
    await waitFor((s) => /^still here$/m.test(s), 'an answer after the cancel');

    tmux('send-keys', '-t', SESSION, 'C-d');
    await waitFor(() => !alive(), 'the chat to exit', 10_000).catch(() => undefined);
    expect(alive()).toBe(false);
  });
});
