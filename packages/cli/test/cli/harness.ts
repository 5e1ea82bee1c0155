// Test harness for command modules: a factory with captured streams, throwaway config and data
// dirs, the file store with a passphrase, and an exit code from the same path the program uses.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Clock } from '@baton/core';
import { createFactory, type Factory } from '../../src/commands/factory.js';
import { execute } from '../../src/commands/execute.js';
import type { Env } from '../../src/paths.js';
import type { ExitCode } from '../../src/ui/errors.js';
import type { IOStreams } from '../../src/ui/io.js';
import type { Prompter } from '../../src/ui/prompter.js';

export interface Captured {
  factory: Factory;
  root: string;
  env: Env;
  stdout(): string;
  stderr(): string;
  /** Feeds text to the command's stdin and ends it. */
  stdin(text: string): void;
  /** Calls `fn` with all of stderr so far on every write (e.g. to approve a device code). */
  watchStderr(fn: (all: string) => void): void;
  run(body: (factory: Factory) => Promise<ExitCode | void>): Promise<ExitCode>;
  cleanup(): Promise<void>;
}

export interface HarnessOptions {
  env?: Env;
  clock?: Clock;
  prompter?: Prompter;
  interactive?: boolean;
  tty?: boolean;
  debug?: boolean;
}

/** A prompter that answers from a list and fails loudly when asked more than scripted. */
export function scriptedPrompter(answers: string[]): Prompter & { asked: string[] } {
  const asked: string[] = [];
  const next = async (message: string): Promise<string> => {
    asked.push(message);
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`unexpected prompt: ${message}`);
    return answer;
  };
  return { asked, secret: next, text: next };
}

export async function harness(options: HarnessOptions = {}): Promise<Captured> {
  const root = await mkdtemp(path.join(tmpdir(), 'baton-cli-'));
  const env: Env = {
    PATH: process.env.PATH,
    BATON_CONFIG_DIR: path.join(root, 'config'),
    BATON_DATA_DIR: path.join(root, 'data'),
    BATON_STORE: 'file',
    BATON_STORE_PASSPHRASE: 'test passphrase for a throwaway store',
    NO_COLOR: '1',
    ...options.env,
  };
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const tty = options.tty === true;
  const io: IOStreams = {
    stdin: Object.assign(stdin, { isTTY: tty }),
    stdout: Object.assign(stdout, { isTTY: tty }),
    stderr: Object.assign(stderr, { isTTY: tty }),
  };
  const factory = createFactory({
    io,
    env,
    ...(options.clock ? { clock: options.clock } : {}),
    prompter: options.prompter ?? scriptedPrompter([]),
    interactive: options.interactive ?? false,
    debug: options.debug ?? false,
  });
  return {
    factory,
    root,
    env,
    stdout: () => out,
    stderr: () => err,
    stdin: (text) => {
      stdin.end(text);
    },
    watchStderr: (fn) => {
      stderr.on('data', () => fn(err));
    },
    run: (body) => execute(factory, () => body(factory)),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
