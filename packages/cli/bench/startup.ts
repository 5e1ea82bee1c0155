// Issue 15 item 4: CLI start-up of the built binary, `baton --version` and `baton auth status` with
// ten stored buckets (file store and keychain), against `node -e 0` as ratios of medians. The
// commands run interleaved round by round, so a burst of load elsewhere hits all of them alike.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createTokenStore } from '../src/auth/storage/index.js';
import { KEYCHAIN_AVAILABLE, KEYCHAIN_SKIPPED } from './backends.js';
import { median, ms, verdict, type Row } from './results.js';

const SECTION = '4. CLI start-up (built binary, medians)';
const BATON_BIN = fileURLToPath(new URL('../dist/bin/baton.js', import.meta.url));
const ROUNDS = 5;
const BUCKETS = 10;
/** A preset provider: status needs no provider file, and nothing here talks to a network. */
const STATUS_PROVIDER = 'anthropic';
const VERSION_RATIO_TARGET = 1.5;
const KEYCHAIN_STATUS_TARGET_MS = 300;

interface Command {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  samples: number[];
}

function timeRun(command: Command): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, command.args, { env: command.env, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const elapsed = performance.now() - started;
      if (code !== 0) reject(new Error(`${command.name} exited ${code}: ${output.slice(-500)}`));
      else resolve(elapsed);
    });
  });
}

/** A throwaway config + data dir with BUCKETS logged-in-looking buckets on `backend`. */
async function statusHome(root: string, backend: 'file' | 'keychain'): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BATON_STORE: backend,
    BATON_CONFIG_DIR: path.join(root, backend, 'config'),
    BATON_DATA_DIR: path.join(root, backend, 'data'),
    NO_COLOR: '1',
  };
  delete env.BATON_STORE_PASSPHRASE;
  const { store } = await createTokenStore({ env });
  const expiry = Math.floor(Date.now() / 1000) + 3600;
  for (let i = 0; i < BUCKETS; i++) {
    await store.save(STATUS_PROVIDER, `s${i}`, {
      access_token: `status-bench-access-${i}`,
      refresh_token: `status-bench-refresh-${i}`,
      token_type: 'Bearer',
      expiry,
    });
  }
  return env;
}

async function clearHome(env: NodeJS.ProcessEnv): Promise<void> {
  const { store } = await createTokenStore({ env });
  for (let i = 0; i < BUCKETS; i++) await store.remove(STATUS_PROVIDER, `s${i}`);
}

export async function startup(): Promise<Row[]> {
  if (!existsSync(BATON_BIN)) {
    return [
      {
        section: SECTION,
        figure: 'skipped',
        value: 'packages/cli/dist is missing: run `pnpm build` first',
      },
    ];
  }
  const root = await mkdtemp(path.join(tmpdir(), 'baton-bench-startup-'));
  const homes: NodeJS.ProcessEnv[] = [];
  try {
    const commands: Command[] = [
      { name: 'node -e 0', args: ['-e', '0'], env: process.env, samples: [] },
      { name: 'baton --version', args: [BATON_BIN, '--version'], env: process.env, samples: [] },
    ];
    const backends: Array<'file' | 'keychain'> = KEYCHAIN_AVAILABLE
      ? ['file', 'keychain']
      : ['file'];
    if (!KEYCHAIN_AVAILABLE) console.log(`  ${KEYCHAIN_SKIPPED}`);
    for (const backend of backends) {
      const env = await statusHome(root, backend);
      homes.push(env);
      commands.push({
        name: `baton auth status (${BUCKETS} buckets, ${backend})`,
        args: [BATON_BIN, 'auth', 'status'],
        env,
        samples: [],
      });
    }
    for (const command of commands) await timeRun(command); // warm the file cache
    for (let round = 0; round < ROUNDS; round++) {
      for (const command of commands) command.samples.push(await timeRun(command));
    }
    const base = median(commands[0]!.samples);
    return commands.map((command) => {
      const p50 = median(command.samples);
      const ratio = p50 / base;
      const isVersion = command.name === 'baton --version';
      const isKeychainStatus = command.name.includes('status') && command.name.includes('keychain');
      return {
        section: SECTION,
        figure: command.name,
        value: `${ms(p50)} (${ratio.toFixed(2)}× node -e 0)`,
        ...(isVersion
          ? {
              target: `≤ ${VERSION_RATIO_TARGET}×`,
              verdict: verdict(ratio <= VERSION_RATIO_TARGET),
            }
          : {}),
        ...(isKeychainStatus
          ? {
              target: `≤ ${KEYCHAIN_STATUS_TARGET_MS} ms`,
              verdict: verdict(p50 <= KEYCHAIN_STATUS_TARGET_MS),
            }
          : {}),
        data: { samples: command.samples, medianMs: p50, ratioToNode: ratio },
      };
    });
  } finally {
    for (const env of homes) await clearHome(env).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}
