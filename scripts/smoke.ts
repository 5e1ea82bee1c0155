// `pnpm smoke`: the built `baton` binary against a local authorization server and provider emulator
// it starts itself: create a profile, log a bucket in through the device flow (approved here), ask
// for a haiku and check that three lines come back on stdout. No network, no account.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalStack } from '../packages/cli/dist/commands/demo/local-stack.js';

const bin = fileURLToPath(new URL('../packages/cli/dist/bin/baton.js', import.meta.url));
const HAIKU = 'quiet tokens turn\nfrom one bucket to the next\nthe answer arrives';
const STEP_TIMEOUT_MS = 60_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function baton(
  args: string[],
  env: NodeJS.ProcessEnv,
  onStderr?: (text: string) => void,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      onStderr?.(stderr);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function check(result: Result, what: string): void {
  if (result.code !== 0) {
    throw new Error(`${what} exited ${result.code}\n--- stderr ---\n${result.stderr}`);
  }
}

const root = await mkdtemp(path.join(tmpdir(), 'baton-smoke-'));
const stack = await startLocalStack({ reply: () => HAIKU });
try {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    BATON_CONFIG_DIR: path.join(root, 'config'),
    BATON_DATA_DIR: path.join(root, 'data'),
    BATON_STORE: 'file',
    BATON_STORE_PASSPHRASE: 'smoke test passphrase',
    NO_COLOR: '1',
  };
  const providersDir = path.join(root, 'config', 'providers');
  await mkdir(providersDir, { recursive: true, mode: 0o700 });
  await writeFile(path.join(providersDir, 'local.json'), JSON.stringify(stack.provider('local')), {
    mode: 0o600,
  });
  check(
    await baton(
      [
        'profile',
        'create',
        'smoke',
        '--provider',
        'local',
        '--model',
        'emulator-1',
        '--bucket',
        'a',
      ],
      env,
    ),
    'profile create',
  );

  let approved = false;
  const login = await baton(['auth', 'login', 'local', '--bucket', 'a'], env, (stderr) => {
    const code = /enter the code:\n\s+(\S+)/.exec(stderr)?.[1];
    if (code && !approved) {
      approved = true;
      stack.server.approveDeviceCode(code, { account: 'smoke-a' }).catch((error: unknown) => {
        process.stderr.write(`approving the device code failed: ${String(error)}\n`);
      });
    }
  });
  check(login, 'auth login');

  const ask = await baton(['ask', 'write me a haiku and nothing else'], env);
  check(ask, 'ask');
  const lines = ask.stdout
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '');
  if (lines.length !== 3) {
    throw new Error(
      `expected a three-line answer, got ${lines.length}:\n${ask.stdout}\n${ask.stderr}`,
    );
  }
  process.stdout.write(`${ask.stdout.trim()}\n`);
  process.stdout.write('smoke: ok (login through the device flow, three-line answer on stdout)\n');
} catch (error) {
  process.stderr.write(
    `smoke: FAILED: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
} finally {
  await stack.close();
  await rm(root, { recursive: true, force: true });
}
