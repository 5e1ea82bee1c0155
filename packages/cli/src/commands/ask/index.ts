// The `baton ask` command; its body loads only when it runs.
import { Command } from 'commander';
import { withExamples, type RunCommand } from '../command-kit.js';

export function askCommand(run: RunCommand): Command {
  return withExamples(
    new Command('ask')
      .description('ask one question; the answer streams to stdout (reads stdin without a prompt)')
      .argument('[prompt...]', 'the question (default: read from stdin)')
      .option('--profile <name>', 'profile to use (default: the active one)')
      .action((words: string[], opts: { profile?: string }, cmd: Command) =>
        run(cmd, async (factory) =>
          (await import('./ask.js')).runAsk({
            factory,
            ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
            ...(words.length > 0 ? { prompt: words.join(' ') } : {}),
          }),
        ),
      ),
    [
      'baton ask "write me a haiku"',
      'git diff | baton ask --profile work',
      'baton ask --profile home "what is 2+2?" > answer.txt',
    ],
  );
}
