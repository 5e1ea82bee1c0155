// The `baton profile` command group; each verb's body is imported only when it runs.
import { Command } from 'commander';
import { collect, withExamples, type RunCommand } from '../command-kit.js';

interface JsonFlag {
  json?: boolean;
}

export function profileCommand(run: RunCommand): Command {
  const group = withExamples(
    new Command('profile').description('create, list, show, delete and choose profiles'),
    [
      'baton profile create work --provider anthropic --model claude-sonnet-4-5 --bucket a --bucket b',
      'baton profile list',
      'baton profile use work',
    ],
  );

  group.addCommand(
    withExamples(
      new Command('create')
        .description('create a profile: a provider, a model and the buckets to use, in order')
        .argument('<name>', 'profile name (letters, digits, _ and -)')
        .requiredOption('--provider <provider>', 'provider preset or custom provider name')
        .requiredOption('--model <model>', 'model to ask')
        .option(
          '--bucket <bucket>',
          'a bucket, repeat for more (first = highest priority)',
          collect,
          [],
        )
        .option('--base-url <url>', 'API base URL instead of the provider default')
        .option('--json', 'print the profile as JSON on stdout')
        .action(
          (
            name: string,
            opts: {
              provider: string;
              model: string;
              bucket?: string[];
              baseUrl?: string;
            } & JsonFlag,
            cmd: Command,
          ) =>
            run(cmd, async (factory) =>
              (await import('./create.js')).runProfileCreate({
                factory,
                name,
                provider: opts.provider,
                model: opts.model,
                buckets: opts.bucket ?? [],
                ...(opts.baseUrl !== undefined ? { baseUrl: opts.baseUrl } : {}),
                json: opts.json === true,
              }),
            ),
        ),
      [
        'baton profile create work --provider anthropic --model claude-sonnet-4-5 --bucket a --bucket b',
        'baton profile create gw --provider my-gateway --model gpt-4.1 --base-url https://llm.example.com/v1',
      ],
    ),
  );

  group.addCommand(
    withExamples(
      new Command('list')
        .description('list the profiles (* = active)')
        .option('--json', 'print the profiles as JSON on stdout')
        .action((opts: JsonFlag, cmd: Command) =>
          run(cmd, async (factory) =>
            (await import('./list.js')).runProfileList({ factory, json: opts.json === true }),
          ),
        ),
      ['baton profile list', 'baton profile list --json'],
    ),
  );

  group.addCommand(
    withExamples(
      new Command('show')
        .description('show one profile (the active one by default)')
        .argument('[name]', 'profile name')
        .option('--json', 'print the profile as JSON on stdout')
        .action((name: string | undefined, opts: JsonFlag, cmd: Command) =>
          run(cmd, async (factory) =>
            (await import('./show.js')).runProfileShow({
              factory,
              ...(name !== undefined ? { name } : {}),
              json: opts.json === true,
            }),
          ),
        ),
      ['baton profile show', 'baton profile show work --json'],
    ),
  );

  group.addCommand(
    withExamples(
      new Command('delete')
        .description('delete a profile (its buckets stay logged in)')
        .argument('<name>', 'profile name')
        .option('--json', 'print the result as JSON on stdout')
        .action((name: string, opts: JsonFlag, cmd: Command) =>
          run(cmd, async (factory) =>
            (await import('./delete.js')).runProfileDelete({
              factory,
              name,
              json: opts.json === true,
            }),
          ),
        ),
      ['baton profile delete old-work'],
    ),
  );

  group.addCommand(
    withExamples(
      new Command('use')
        .description('make a profile the active one')
        .argument('<name>', 'profile name')
        .option('--json', 'print the result as JSON on stdout')
        .action((name: string, opts: JsonFlag, cmd: Command) =>
          run(cmd, async (factory) =>
            (await import('./use.js')).runProfileUse({ factory, name, json: opts.json === true }),
          ),
        ),
      ['baton profile use work'],
    ),
  );
  return group;
}
