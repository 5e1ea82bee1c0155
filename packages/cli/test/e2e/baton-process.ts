// Runs the built `baton` binary as a child process with a throwaway config and data dir, and
// approves device-flow logins on the testkit server as soon as the code appears on stderr.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthorizationServer } from '@baton/testkit';

export const BATON_BIN = fileURLToPath(new URL('../../dist/bin/baton.js', import.meta.url));

export interface BatonResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface BatonHome {
  root: string;
  env: NodeJS.ProcessEnv;
  run(
    args: string[],
    options?: { stdin?: string; onStderr?: (all: string) => void },
  ): Promise<BatonResult>;
  /** `auth login` through the device flow, approved on `server` for `account`. */
  login(
    provider: string,
    bucket: string,
    server: AuthorizationServer,
    account: string,
  ): Promise<BatonResult>;
  writeProvider(name: string, description: unknown): Promise<void>;
  cleanup(): Promise<void>;
}

const RUN_TIMEOUT_MS = 90_000;

export async function batonHome(extraEnv: NodeJS.ProcessEnv = {}): Promise<BatonHome> {
  const root = await mkdtemp(path.join(tmpdir(), 'baton-e2e-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    BATON_CONFIG_DIR: path.join(root, 'config'),
    BATON_DATA_DIR: path.join(root, 'data'),
    BATON_STORE: 'file',
    BATON_STORE_PASSPHRASE: 'e2e throwaway passphrase',
    NO_COLOR: '1',
    ...extraEnv,
  };
  const run: BatonHome['run'] = (args, options = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BATON_BIN, ...args], { env, stdio: 'pipe' });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        options.onStderr?.(stderr);
      });
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(options.stdin ?? '');
    });
  return {
    root,
    env,
    run,
    login: (provider, bucket, server, account) => {
      let approved = false;
      return run(['auth', 'login', provider, '--bucket', bucket], {
        onStderr: (all) => {
          const code = /enter the code:\n\s+(\S+)/.exec(all)?.[1];
          if (code && !approved) {
            approved = true;
            void server.approveDeviceCode(code, { account });
          }
        },
      });
    },
    writeProvider: async (name, description) => {
      const dir = path.join(root, 'config', 'providers');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(path.join(dir, `${name}.json`), JSON.stringify(description), { mode: 0o600 });
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
