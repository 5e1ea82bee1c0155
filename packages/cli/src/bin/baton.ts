#!/usr/bin/env node
// Entry point of the `baton` binary. `--version` alone is answered before anything else loads;
// every other command goes through the commander tree, whose command bodies load lazily.
const args = process.argv.slice(2);

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { BATON_VERSION } = await import('../version.js');
  process.stdout.write(`${BATON_VERSION}\n`);
} else {
  const [{ CommanderError }, { createProgram }] = await Promise.all([
    import('commander'),
    import('../program.js'),
  ]);
  try {
    await createProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors with 2.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else {
      // Commands report their own errors; this is only for a failure of the program itself.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`baton: ${message}\n`);
      if (args.includes('--debug') && error instanceof Error && error.stack) {
        process.stderr.write(`${error.stack}\n`);
      }
      process.exitCode = 1;
    }
  }
}
