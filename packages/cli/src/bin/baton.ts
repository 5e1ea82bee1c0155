#!/usr/bin/env node
// Entry point of the `baton` binary.
import { CommanderError } from 'commander';
import { createProgram } from '../program.js';

const program = createProgram().exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit through here with code 0; usage errors with 2.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    const debug = process.argv.includes('--debug');
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`baton: ${message}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}
