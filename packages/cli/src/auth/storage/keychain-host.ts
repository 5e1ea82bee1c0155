// Runs the keyring binding in a small helper process so that a call which hangs (a stopped keyring
// daemon, a prompt nobody answers) can be abandoned: the helper is killed at the time limit. In
// this process a hung D-Bus call would keep Node alive, and even process.exit would block on it
// (a worker thread does not help: tearing it down blocks the same way). The helper is unref'd,
// so it never keeps the CLI alive, and it is killed when the CLI exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { KeychainCredential } from './keychain.js';

/** One request line the helper understands. */
export type HostRequest =
  | { op: 'get' | 'delete'; service: string; account: string }
  | { op: 'set'; service: string; account: string; password: string }
  | { op: 'list'; service: string };

export type HostValue = string | null | boolean | KeychainCredential[] | undefined;

/** A failure reported by the helper: the binding's message, or that the binding did not load. */
export class HostCallError extends Error {
  override readonly name = 'HostCallError';
  constructor(
    message: string,
    readonly kind: 'call' | 'load' | 'helper',
  ) {
    super(message);
  }
}

/**
 * The helper: plain CommonJS so it runs from source and from the build alike. It answers one JSON
 * line per request line; the binding's path comes as its first argument.
 */
const HOST_SCRIPT = String.raw`
'use strict';
const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
let k, loadError;
try { k = require(process.argv[1]); } catch (e) { loadError = String((e && e.message) || e); }
const opts = { linux: { store: 'secret-service' } };
const run = (r) => {
  if (r.op === 'get') return new k.AsyncEntry(r.service, r.account, opts).getPassword();
  if (r.op === 'set') return new k.AsyncEntry(r.service, r.account, opts).setPassword(r.password);
  if (r.op === 'delete') return new k.AsyncEntry(r.service, r.account, opts).deletePassword();
  return k.findCredentialsAsync(r.service, null);
};
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let at;
  while ((at = buffered.indexOf('\n')) >= 0) {
    const r = JSON.parse(buffered.slice(0, at));
    buffered = buffered.slice(at + 1);
    if (loadError) { send({ id: r.id, ok: false, load: true, message: loadError }); continue; }
    Promise.resolve().then(() => run(r)).then(
      (value) => send({ id: r.id, ok: true, value: value === undefined ? null : value }),
      (e) => send({ id: r.id, ok: false, message: String((e && e.message) || e) }),
    );
  }
});
process.stdin.on('end', () => process.exit(0));
`;

interface Pending {
  resolve(value: HostValue): void;
  reject(error: Error): void;
}

interface HostReply {
  id: number;
  ok: boolean;
  value?: HostValue;
  message?: string;
  load?: boolean;
}

export function defaultKeyringModulePath(): string {
  return createRequire(import.meta.url).resolve('@napi-rs/keyring');
}

export interface KeychainHostOptions {
  /** Environment of the helper (its D-Bus session address in particular). */
  env?: NodeJS.ProcessEnv;
  /** The binding to load (default: @napi-rs/keyring as installed). */
  modulePath?: string;
}

const shared = new Map<string, KeychainHost>();

/** A lazily started helper process, restarted after it was abandoned or died. */
export class KeychainHost {
  /**
   * One helper per binding and session bus, shared by every keychain of this process, so that
   * many stores (tests, doctor) do not start many helpers.
   */
  static shared(options: KeychainHostOptions = {}): KeychainHost {
    const env = options.env ?? process.env;
    const key = JSON.stringify([
      options.modulePath ?? '',
      env.DBUS_SESSION_BUS_ADDRESS ?? '',
      env.XDG_RUNTIME_DIR ?? '',
      env.DISPLAY ?? '',
    ]);
    let host = shared.get(key);
    if (!host) {
      host = new KeychainHost(options);
      shared.set(key, host);
    }
    return host;
  }

  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly killOnExit = (): void => {
    this.child?.kill('SIGKILL');
  };

  constructor(private readonly options: KeychainHostOptions = {}) {}

  /** Sends one request; `abandon()` ends it (and the helper) when the caller gives up. */
  call(request: HostRequest): Promise<HostValue> {
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise<HostValue>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.stdin!.write(`${JSON.stringify({ id, ...request })}\n`);
    });
  }

  /** Kills the helper with every call in flight; the next call starts a fresh one. */
  abandon(reason: Error): void {
    const child = this.child;
    this.child = undefined;
    process.removeListener('exit', this.killOnExit);
    child?.kill('SIGKILL');
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
  }

  private ensureChild(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn(
      process.execPath,
      ['-e', HOST_SCRIPT, this.options.modulePath ?? defaultKeyringModulePath()],
      { env: this.options.env ?? process.env, stdio: ['pipe', 'pipe', 'ignore'] },
    );
    this.child = child;
    // Neither the process nor its pipes keep this process alive; pending calls have their timer.
    child.unref();
    (child.stdin as unknown as Socket).unref();
    (child.stdout as unknown as Socket).unref();
    process.on('exit', this.killOnExit);
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let at;
      while ((at = buffered.indexOf('\n')) >= 0) {
        this.settle(JSON.parse(buffered.slice(0, at)) as HostReply);
        buffered = buffered.slice(at + 1);
      }
    });
    child.stdin.on('error', () => undefined); // a dead helper is reported through 'exit'
    child.once('error', (error) => {
      if (this.child === child) this.abandon(new HostCallError(error.message, 'helper'));
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) {
        this.abandon(new HostCallError(`the keychain helper exited (${signal ?? code})`, 'helper'));
      }
    });
    return child;
  }

  private settle(reply: HostReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.value);
    else
      pending.reject(
        new HostCallError(reply.message ?? 'unknown error', reply.load ? 'load' : 'call'),
      );
  }
}
