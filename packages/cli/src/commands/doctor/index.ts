// The `baton doctor` command; its body loads only when it runs.
import { Command } from 'commander';
import { withExamples, type RunCommand } from '../command-kit.js';

export function doctorCommand(run: RunCommand): Command {
  return withExamples(
    new Command('doctor')
      .description('check the keychain, token store, directories, profiles and clock; print fixes')
      .option('--json', 'print the checks as JSON on stdout')
      .option('--no-clock-check', 'do not contact the provider to compare clocks')
      .action((opts: { json?: boolean; clockCheck: boolean }, cmd: Command) =>
        run(cmd, async (factory) =>
          (await import('./doctor.js')).runDoctor({
            factory,
            json: opts.json === true,
            clockCheck: opts.clockCheck,
          }),
        ),
      ),
    ['baton doctor', 'baton doctor --json --no-clock-check'],
  );
}
