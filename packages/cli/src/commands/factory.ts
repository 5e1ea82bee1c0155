// The outside world a command may touch, gathered in one record: streams, environment, paths,
// clock, randomness, prompter and the debug log. The program builds the real one; tests build
// their own with captured streams, temp dirs and a fake clock.
import { systemClock, systemRandom, type Clock, type RandomSource } from '@baton/core';
import { resolvePaths, type BatonPaths, type Env } from '../paths.js';
import { isInteractive, systemIO, type IOStreams } from '../ui/io.js';
import { Output } from '../ui/output.js';
import { createTerminalPrompter, type Prompter } from '../ui/prompter.js';
import { redactText } from '../ui/redact.js';

export interface Factory {
  readonly io: IOStreams;
  readonly env: Env;
  readonly paths: BatonPaths;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly out: Output;
  readonly prompter: Prompter;
  /** A person can answer prompts (stdin and stderr are terminals). */
  readonly interactive: boolean;
  readonly debug: boolean;
  /** Debug lines (redacted) on stderr when --debug is on; a no-op otherwise. */
  readonly log: (line: string) => void;
}

export interface FactoryOverrides {
  io?: IOStreams;
  env?: Env;
  clock?: Clock;
  random?: RandomSource;
  prompter?: Prompter;
  interactive?: boolean;
  debug?: boolean;
}

export function createFactory(overrides: FactoryOverrides = {}): Factory {
  const io = overrides.io ?? systemIO();
  const env = overrides.env ?? process.env;
  const out = new Output(io, env);
  const debug = overrides.debug ?? false;
  return {
    io,
    env,
    paths: resolvePaths(env),
    clock: overrides.clock ?? systemClock,
    random: overrides.random ?? systemRandom,
    out,
    prompter: overrides.prompter ?? createTerminalPrompter(io),
    interactive: overrides.interactive ?? isInteractive(io),
    debug,
    log: debug ? (line) => out.info(out.colors.dim(`debug: ${redactText(line)}`)) : () => undefined,
  };
}
