// What group modules need to declare commands without loading their bodies: the runner that
// builds the factory and runs a body lazily, and the shared "Examples:" help block.
import type { Command } from 'commander';
import type { ExitCode } from '../ui/errors.js';
import type { Factory } from './factory.js';

/** Builds the factory for `command` (honouring --debug), runs `body`, records the exit code. */
export type RunCommand = (
  command: Command,
  body: (factory: Factory) => Promise<ExitCode | void>,
) => Promise<void>;

export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}`);
}

/** Commander's collector for repeatable options (`--bucket a --bucket b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
