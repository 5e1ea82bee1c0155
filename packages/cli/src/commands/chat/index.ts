// The `baton chat` command; its body loads only when it runs.
import { Command } from 'commander';
import { withExamples, type RunCommand } from '../command-kit.js';

export function chatCommand(run: RunCommand): Command {
  return withExamples(
    new Command('chat')
      .description('chat in a REPL that streams answers and fails over between buckets')
      .option('--profile <name>', 'profile to use (default: the active one)')
      .action((opts: { profile?: string }, cmd: Command) =>
        run(cmd, async (factory) =>
          (await import('./chat.js')).runChat({
            factory,
            ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
          }),
        ),
      ),
    ['baton chat', 'baton chat --profile work'],
  );
}
