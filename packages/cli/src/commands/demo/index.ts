// The `baton demo` command; its body (and the testkit servers) load only when it runs.
import { Command } from 'commander';
import { withExamples, type RunCommand } from '../command-kit.js';

export function demoCommand(run: RunCommand): Command {
  return withExamples(
    new Command('demo')
      .description(
        'run baton against a local authorization server and provider: logins, failover, renewal',
      )
      .option('--buckets <n>', 'how many buckets to log in (1-8)', (v) => Number(v), 3)
      .option(
        '--requests <n>',
        'how many requests to send (default: enough to exhaust every bucket)',
        (v) => Number(v),
      )
      .action((opts: { buckets: number; requests?: number }, cmd: Command) =>
        run(cmd, async (factory) =>
          (await import('./demo.js')).runDemo({
            factory,
            buckets: opts.buckets,
            ...(opts.requests !== undefined ? { requests: opts.requests } : {}),
          }),
        ),
      ),
    ['baton demo', 'baton demo --buckets 2 --requests 6'],
  );
}
