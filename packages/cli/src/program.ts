// Builds the `baton` command tree. Group modules only declare commands; each command's body (and
// with it zod, the core engine and the stores) is imported when it runs, so `--version` stays fast.
import { Command } from 'commander';
import type { RunCommand } from './commands/command-kit.js';
import type { FactoryOverrides } from './commands/factory.js';
import { askCommand } from './commands/ask/index.js';
import { authCommand } from './commands/auth/index.js';
import { chatCommand } from './commands/chat/index.js';
import { demoCommand } from './commands/demo/index.js';
import { doctorCommand } from './commands/doctor/index.js';
import { profileCommand } from './commands/profile/index.js';
import { BATON_VERSION } from './version.js';

export interface ProgramOptions {
  /** Replaces parts of the real environment (tests: streams, env, clock). */
  factory?: FactoryOverrides;
  /** Receives each command's exit code; default: process.exitCode. */
  onExit?: (code: number) => void;
}

export function createProgram(options: ProgramOptions = {}): Command {
  const run: RunCommand = async (command, body) => {
    const [{ createFactory }, { execute }] = await Promise.all([
      import('./commands/factory.js'),
      import('./commands/execute.js'),
    ]);
    const debug = command.optsWithGlobals<{ debug?: boolean }>().debug === true;
    const factory = createFactory({
      ...options.factory,
      debug: debug || options.factory?.debug === true,
    });
    const code = await execute(factory, () => body(factory));
    if (options.onExit) options.onExit(code);
    else process.exitCode = code;
  };

  const program = new Command('baton')
    .description(
      'Keep several LLM provider accounts logged in as named buckets and fail over between them.',
    )
    .version(BATON_VERSION, '-V, --version', 'print the version and exit')
    .option('--debug', 'print stack traces and redacted debug details')
    .addHelpText(
      'after',
      `
Examples:
  $ baton demo
  $ baton profile create work --provider anthropic --model claude-sonnet-4-5 --bucket a --bucket b
  $ baton auth login anthropic --bucket a
  $ baton ask "summarise this" < notes.txt
  $ baton doctor`,
    );

  program.addCommand(authCommand(run));
  program.addCommand(profileCommand(run));
  program.addCommand(chatCommand(run));
  program.addCommand(askCommand(run));
  program.addCommand(demoCommand(run));
  program.addCommand(doctorCommand(run));

  forEachCommand(program, (command) => {
    command.exitOverride().showHelpAfterError(`(run \`${commandPath(command)} --help\` for usage)`);
  });
  return program;
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) forEachCommand(sub, visit);
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
