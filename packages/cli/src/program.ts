// Builds the `baton` command tree. Commands are added here as they are implemented.
import { Command } from 'commander';
import { BATON_VERSION } from './version.js';

export function createProgram(): Command {
  const program = new Command('baton')
    .description(
      'Keep several LLM provider accounts logged in as named buckets and fail over between them.',
    )
    .version(BATON_VERSION, '-V, --version', 'print the version and exit')
    .option('--debug', 'print stack traces and debug details on errors')
    .showHelpAfterError('(run `baton --help` for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ baton --version
  $ baton --help`,
    );
  return program;
}
