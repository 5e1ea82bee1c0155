// Parent side of the manager-child protocol: long-lived child processes (start-up costs a few hundred
// ms of CPU each, so they are started once per file) that run manager commands on request.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { ProviderConfig } from '../../src/auth/flows/index.js';
import type { ChildCommand, ChildEvent } from './protocol.js';

export type DoneEvent = Extract<ChildEvent, { ev: 'done' }>;

export class ManagerChild {
  readonly events: ChildEvent[] = [];
  readonly stderr: string[] = [];
  private listeners: Array<() => void> = [];
  private exited = false;

  constructor(readonly process: ChildProcessWithoutNullStreams) {
    let buffered = '';
    process.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.events.push(JSON.parse(line) as ChildEvent);
      this.notify();
    });
    process.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    process.once('exit', () => {
      this.exited = true;
      this.notify();
    });
  }

  send(command: ChildCommand): void {
    this.process.stdin.write(`${JSON.stringify(command)}\n`);
  }

  ready(): Promise<void> {
    return this.until((e) => e.ev === 'ready').then(() => undefined);
  }

  /** The answer to command `id`. */
  result(id: number): Promise<DoneEvent> {
    return this.until((e) => e.ev === 'done' && e.id === id) as Promise<DoneEvent>;
  }

  kill(): Promise<void> {
    if (this.exited) return Promise.resolve();
    const gone = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.process.kill('SIGKILL');
    return gone;
  }

  private until(predicate: (e: ChildEvent) => boolean): Promise<ChildEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.find(predicate);
        if (found) resolve(found);
        else if (this.exited)
          reject(new Error(`manager child exited early: ${this.stderr.join('').slice(-2000)}`));
        else return false;
        return true;
      };
      if (check()) return;
      const listener = (): void => {
        if (check()) this.listeners = this.listeners.filter((l) => l !== listener);
      };
      this.listeners.push(listener);
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * Starts `count` children of the bundled manager-child fixture over the data dir `dataDir` with the
 * file store, and waits until all are ready.
 */
export async function startManagerChildren(
  bundle: string,
  count: number,
  dataDir: string,
  config: ProviderConfig,
): Promise<ManagerChild[]> {
  // The key file beside the tokens, as an unconfigured user has it (no passphrase).
  const env: NodeJS.ProcessEnv = { ...process.env, BATON_STORE: 'file', BATON_DATA_DIR: dataDir };
  delete env.BATON_STORE_PASSPHRASE;
  const children = Array.from(
    { length: count },
    () =>
      new ManagerChild(
        spawn(process.execPath, [bundle, JSON.stringify(config)], { env, stdio: 'pipe' }),
      ),
  );
  await Promise.all(children.map((child) => child.ready()));
  return children;
}
