// Test helper: a private D-Bus session with its own gnome-keyring (unlocked or locked), and a way
// to run a child process against it. Used for the locked, hanging and absent keychain cases.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const KEYCHAIN_TESTS_ENABLED = process.env.BATON_KEYCHAIN_TESTS === '1';
export const KEYCHAIN_SKIP_NOTE =
  'keychain tests skipped: run them with `bash scripts/with-keyring.sh ...` (needs gnome-keyring, dbus)';
/** Throwaway password of the throwaway keyrings these tests create. */
const TEST_KEYRING_PASSWORD = 'baton-test-keyring';
const READY_TIMEOUT_MS = 20_000;

export interface PrivateKeyring {
  address: string;
  daemonPid: number;
  stop(): Promise<void>;
}

const WAIT_FOR_NAME = `for i in $(seq 1 150); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \\
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then break; fi
  sleep 0.1; done`;

/**
 * Starts `dbus-run-session` with a gnome-keyring whose data lives in `dataHome`. With `unlock`, the
 * login keyring is created/unlocked with the test password; without it the keyring stays locked.
 * The session lives until stop() closes its stdin.
 */
export async function startPrivateKeyring(
  dataHome: string,
  unlock: boolean,
): Promise<PrivateKeyring> {
  const start = unlock
    ? `printf %s "$KEYRING_PW" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &`
    : `gnome-keyring-daemon --foreground --components=secrets </dev/null >/dev/null 2>&1 &`;
  const script = `${start}
pid=$!
${WAIT_FOR_NAME}
echo "READY $DBUS_SESSION_BUS_ADDRESS $pid"
exec cat`;
  const child = spawn('dbus-run-session', ['--', 'sh', '-c', script], {
    env: { ...headlessEnv(), XDG_DATA_HOME: dataHome, KEYRING_PW: TEST_KEYRING_PASSWORD },
    stdio: 'pipe',
  });
  const ready = await waitForReady(child);
  return {
    address: ready.address,
    daemonPid: ready.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

function waitForReady(
  child: ChildProcessWithoutNullStreams,
): Promise<{ address: string; pid: number }> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`private keyring not ready: ${out}`)),
      READY_TIMEOUT_MS,
    );
    timer.unref();
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\S+) (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ address: match[1]!, pid: Number(match[2]) });
      }
    });
    child.once('exit', (code) => reject(new Error(`dbus-run-session exited (${code}): ${out}`)));
  });
}

/** The environment without any desktop session, so no prompt can be shown. */
export function headlessEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'DISPLAY',
    'WAYLAND_DISPLAY',
    'DBUS_SESSION_BUS_ADDRESS',
    'GNOME_KEYRING_CONTROL',
  ]) {
    delete env[name];
  }
  return env;
}

export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs a TypeScript fixture in a child node and collects its output. */
export function runFixture(
  fixture: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawnFixture(fixture, args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    timer.unref();
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}

export function spawnFixture(
  fixture: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, fixtureNodeArgs(fixture, args), { env, stdio: 'pipe' });
}

/** Node arguments that run a TypeScript fixture: tsx, with workspace packages read from source. */
export function fixtureNodeArgs(fixture: string, args: string[] = []): string[] {
  return [
    '--conditions=@baton/source',
    '--import',
    'tsx',
    path.join(FIXTURES_DIR, fixture),
    ...args,
  ];
}

/** The last JSON line a fixture printed. */
export function lastJson<T = Record<string, unknown>>(result: ChildResult): T {
  const line = result.stdout.trim().split('\n').filter(Boolean).pop();
  if (!line) throw new Error(`fixture printed nothing (code ${result.code}): ${result.stderr}`);
  return JSON.parse(line) as T;
}
