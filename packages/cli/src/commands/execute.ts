// Runs one command body and turns its outcome into an exit code: 0 on success, the error's own
// code (1 or 2) after printing it the one way every command prints errors.
import { EXIT_OK, reportError, type ExitCode } from '../ui/errors.js';
import type { Factory } from './factory.js';

export async function execute(
  factory: Factory,
  body: () => Promise<ExitCode | void>,
): Promise<ExitCode> {
  try {
    return (await body()) ?? EXIT_OK;
  } catch (error) {
    return reportError(error, factory.out, factory.debug, { dataDir: factory.paths.dataDir });
  }
}
