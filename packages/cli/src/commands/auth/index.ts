// The `baton auth` command group; each verb's body is imported only when it runs.
import { Command } from 'commander';
import { withExamples, type RunCommand } from '../command-kit.js';

interface JsonFlag {
  json?: boolean;
}

export function authCommand(run: RunCommand): Command {
  const group = withExamples(
    new Command('auth').description('log buckets in and out, see their state, switch and refresh'),
    [
      'baton auth login anthropic --bucket work',
      'baton auth status',
      'baton auth logout anthropic --all',
    ],
  );

  group.addCommand(
    withExamples(
      new Command('login')
        .description('log a bucket in (browser, device code or pasted code), or store an API key')
        .argument('<provider>', 'provider preset or custom provider name')
        .option('--bucket <bucket>', 'bucket to log in', 'default')
        .option('--no-browser', 'print the address instead of opening a browser')
        .option('--device', 'use the device-code login (for machines without a browser)')
        .option('--api-key', 'store an API key read from stdin or a hidden prompt')
        .option('--json', 'print the result as JSON on stdout')
        .action(
          (
            provider: string,
            opts: {
              bucket: string;
              browser: boolean;
              device?: boolean;
              apiKey?: boolean;
            } & JsonFlag,
            cmd: Command,
          ) =>
            run(cmd, async (factory) =>
              (await import('./login.js')).runAuthLogin({
                factory,
                provider,
                bucket: opts.bucket,
                browser: opts.browser,
                device: opts.device === true,
                apiKey: opts.apiKey === true,
                json: opts.json === true,
              }),
            ),
        ),
      [
        'baton auth login anthropic --bucket work',
        'baton auth login codex --bucket home --device',
        'printf %s "$OPENAI_API_KEY" | baton auth login openai-gw --bucket ci --api-key',
      ],
    ),
  );

  group.addCommand(
    withExamples(
      new Command('logout')
        .description('revoke and remove a bucket’s credential (or every bucket’s with --all)')
        .argument('<provider>', 'provider name')
        .option('--bucket <bucket>', 'bucket to log out (default: default)')
        .option('--all', 'log out every bucket of the provider')
        .option('--json', 'print the result as JSON on stdout')
        .action(
          (provider: string, opts: { bucket?: string; all?: boolean } & JsonFlag, cmd: Command) =>
            run(cmd, async (factory) =>
              (await import('./logout.js')).runAuthLogout({
                factory,
                provider,
                ...(opts.bucket !== undefined ? { bucket: opts.bucket } : {}),
                all: opts.all === true,
                json: opts.json === true,
              }),
            ),
        ),
      ['baton auth logout anthropic --bucket work', 'baton auth logout anthropic --all'],
    ),
  );

  group.addCommand(
    withExamples(
      new Command('status')
        .description('show buckets, expiry, cooldowns, renewal and where tokens are stored')
        .argument('[provider]', 'only this provider')
        .option('--json', 'print the status as JSON on stdout')
        .action((provider: string | undefined, opts: JsonFlag, cmd: Command) =>
          run(cmd, async (factory) =>
            (await import('./status.js')).runAuthStatus({
              factory,
              ...(provider !== undefined ? { provider } : {}),
              json: opts.json === true,
            }),
          ),
        ),
      ['baton auth status', 'baton auth status anthropic --json'],
    ),
  );

  group.addCommand(
    withExamples(
      new Command('switch')
        .description('start the next requests of a provider from this bucket')
        .argument('<provider>', 'provider name')
        .argument('<bucket>', 'bucket to start from')
        .option('--json', 'print the result as JSON on stdout')
        .action((provider: string, bucket: string, opts: JsonFlag, cmd: Command) =>
          run(cmd, async (factory) =>
            (await import('./switch.js')).runAuthSwitch({
              factory,
              provider,
              bucket,
              json: opts.json === true,
            }),
          ),
        ),
      ['baton auth switch anthropic personal'],
    ),
  );

  group.addCommand(
    withExamples(
      new Command('refresh')
        .description('refresh a bucket’s token now')
        .argument('<provider>', 'provider name')
        .option('--bucket <bucket>', 'bucket to refresh', 'default')
        .option('--json', 'print the result as JSON on stdout')
        .action((provider: string, opts: { bucket: string } & JsonFlag, cmd: Command) =>
          run(cmd, async (factory) =>
            (await import('./refresh.js')).runAuthRefresh({
              factory,
              provider,
              bucket: opts.bucket,
              json: opts.json === true,
            }),
          ),
        ),
      ['baton auth refresh anthropic --bucket work'],
    ),
  );
  group.addCommand(
    withExamples(
      new Command('migrate-store')
        .description('move every bucket to the other token backend and keep using it')
        .requiredOption('--to <backend>', 'file or keychain')
        .option('--json', 'print the result as JSON on stdout')
        .action((opts: { to: string } & JsonFlag, cmd: Command) =>
          run(cmd, async (factory) =>
            (await import('./migrate-store.js')).runMigrateStore({
              factory,
              to: opts.to,
              json: opts.json === true,
            }),
          ),
        ),
      ['baton auth migrate-store --to keychain', 'baton auth migrate-store --to file'],
    ),
  );
  return group;
}
