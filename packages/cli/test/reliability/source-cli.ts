// The baton CLI run from source as a child process (node with tsx; esbuild cannot bundle the CLI, it
// reads its package.json at run time): for rows that kill it or give it its own environment.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AuthorizationServer } from '@baton/testkit';

const FROM_SOURCE = [
  '--conditions=@baton/source',
  '--import',
  'tsx',
  fileURLToPath(new URL('../../src/bin/baton.ts', import.meta.url)),
];
const RUN_LIMIT_MS = 60_000;

export function spawnBaton(args: string[], env: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...FROM_SOURCE, ...args], { env, stdio: 'pipe' });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs baton to the end; with `approve`, a device code it prints is approved at once. */
export function runBaton(
  args: string[],
  env: NodeJS.ProcessEnv,
  approve?: { server: AuthorizationServer; account: string },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawnBaton(args, env);
    let stdout = '';
    let stderr = '';
    let approved = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const code = /enter the code:\n\s+(\S+)/.exec(stderr)?.[1];
      if (approve && code && !approved) {
        approved = true;
        void approve.server.approveDeviceCode(code, { account: approve.account });
      }
    });
    child.stdin.end();
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}
