// How a failure reaches the person: one sentence saying what went wrong, one line with the next
// action, exit code 1 (failure) or 2 (usage); the stack and cause chain only with --debug.
import {
  AllBucketsExhaustedError,
  InvalidNameError,
  TokenStoreError,
  isAbortError,
} from '@baton/core';
import { JsonFileError } from '../util/atomic-write.js';
import { redactText } from './redact.js';
import type { Output } from './output.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export type ExitCode = typeof EXIT_OK | typeof EXIT_FAILURE | typeof EXIT_USAGE;

export interface CliErrorOptions {
  /** The next thing the person should do, as a command or a short instruction. */
  next?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

/** A failure a command anticipated: its message is already the sentence a person reads. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  readonly next?: string;
  readonly exitCode: ExitCode;

  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.next !== undefined) this.next = options.next;
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}

/** Bad input on the command line: exit code 2. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string, options: Omit<CliErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: EXIT_USAGE });
  }
}

/** What the reporter knows about where baton keeps its files. */
export interface ErrorContext {
  dataDir?: string;
}

export interface DescribedError {
  message: string;
  next?: string;
  exitCode: ExitCode;
}

const HOW_TO_DEBUG = 'run the command again with --debug for details';

/** Errors of other modules whose message already says what to do (matched by name, so that this
 * module does not load the flows or the manager just to report an error). */
const SELF_EXPLAINING: ReadonlySet<string> = new Set([
  'NoCredentialError',
  'ApiKeyRejectedError',
  'RetiredPresetError',
  'DeviceFlowExpiredError',
  'AuthorizationTimeoutError',
  'ProviderConfigError',
  'StoreChoiceError',
  'PastedCodeFormatError',
  'LoginCancelledError',
]);
const LOGIN_ERRORS: ReadonlySet<string> = new Set([
  'OAuthFlowError',
  'DeviceFlowDeniedError',
  'AuthorizationDeniedError',
  'StateMismatchError',
  'CallbackPortUnavailableError',
  'RefreshTokenRevokedError',
  'TransientRefreshError',
  'TokenEndpointBlockedError',
]);

/** Maps any thrown value to the sentence, the next action and the exit code. */
export function describeError(error: unknown, context: ErrorContext = {}): DescribedError {
  if (error instanceof CliError) {
    return { message: error.message, exitCode: error.exitCode, ...withNext(error.next) };
  }
  if (error instanceof InvalidNameError) {
    return {
      message: error.message,
      exitCode: EXIT_USAGE,
      next: `choose a ${error.kind} name that fits the rule`,
    };
  }
  if (error instanceof JsonFileError) {
    return {
      message: error.message,
      exitCode: EXIT_FAILURE,
      next: `fix ${error.filePath} by hand or delete it (baton never overwrites a file it cannot read)`,
    };
  }
  if (error instanceof TokenStoreError) {
    return { message: error.message, exitCode: EXIT_FAILURE, next: error.remediation };
  }
  if (error instanceof AllBucketsExhaustedError) {
    // Its message already ends with a "Next:" line built from the per-bucket reasons.
    return { message: error.message, exitCode: EXIT_FAILURE };
  }
  if (error instanceof Error && SELF_EXPLAINING.has(error.name)) {
    return { message: error.message, exitCode: EXIT_FAILURE };
  }
  if (error instanceof Error && LOGIN_ERRORS.has(error.name)) {
    return {
      message: error.message,
      exitCode: EXIT_FAILURE,
      next: 'start the login again (add --debug for details)',
    };
  }
  if (isAbortError(error)) {
    return { message: 'cancelled', exitCode: EXIT_FAILURE };
  }
  const fsFailure = fileSystemFailure(error, context);
  if (fsFailure) return { ...fsFailure, exitCode: EXIT_FAILURE };
  const message = error instanceof Error ? error.message : String(error);
  return { message, exitCode: EXIT_FAILURE, next: HOW_TO_DEBUG };
}

/** What each file-system failure means for a person, and what they can do about it. */
const FILE_SYSTEM_FAILURES: Readonly<Record<string, { what: string; next: string }>> = {
  ENOSPC: { what: 'the disk is full', next: 'free some disk space, then run the command again' },
  EDQUOT: { what: 'the disk quota is used up', next: 'free some space in your quota, then retry' },
  EROFS: {
    what: 'the file system is read-only',
    next: "make baton's data dir writable (or point BATON_DATA_DIR at a writable one), then retry",
  },
  EACCES: {
    what: 'permission denied',
    next: "check the owner and permissions of baton's config and data dirs (`baton doctor`)",
  },
  EPERM: {
    what: 'the operation is not permitted',
    next: "check the owner and permissions of baton's config and data dirs (`baton doctor`)",
  },
};

/** A file-system error anywhere in the cause chain, described with the path it hit when known. */
function fileSystemFailure(
  error: unknown,
  context: ErrorContext,
): { message: string; next: string } | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const { code, path } = e as NodeJS.ErrnoException;
    const known = code === undefined ? undefined : FILE_SYSTEM_FAILURES[code];
    if (known) {
      // A failed write(2) names no path: the data dir is where baton writes.
      const what = path ?? (context.dataDir ? `its data dir ${context.dataDir}` : 'its files');
      return {
        message: `baton could not use ${what}: ${known.what} (${e.message})`,
        next: known.next,
      };
    }
  }
  return undefined;
}

function withNext(next: string | undefined): { next?: string } {
  return next === undefined ? {} : { next };
}

/** Prints the error on stderr and returns the exit code. */
export function reportError(
  error: unknown,
  out: Output,
  debug: boolean,
  context: ErrorContext = {},
): ExitCode {
  const described = describeError(error, context);
  out.failure(redactText(described.message));
  if (described.next) out.info(`  Next: ${redactText(described.next)}`);
  if (debug) {
    for (const line of debugChain(error)) out.info(out.colors.dim(redactText(line)));
  }
  return described.exitCode;
}

/** The stack of the error and of every `cause` below it. */
export function debugChain(error: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth += 1) {
    if (current instanceof Error) {
      lines.push(
        depth === 0
          ? (current.stack ?? current.message)
          : `caused by: ${current.stack ?? current.message}`,
      );
      current = current.cause;
    } else {
      lines.push(`caused by: ${JSON.stringify(current) ?? typeof current}`);
      break;
    }
  }
  return lines;
}
