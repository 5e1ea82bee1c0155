// The three streams a command talks through, injected so tests capture them and the REPL can
// tell whether a person is at a terminal.
import type { Readable, Writable } from 'node:stream';

export type OutStream = Writable & { isTTY?: boolean; columns?: number };
export type InStream = Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

export interface IOStreams {
  stdin: InStream;
  stdout: OutStream;
  stderr: OutStream;
}

export function systemIO(): IOStreams {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/** Interactive = a person can answer prompts and watch spinners: stdin and stderr are terminals. */
export function isInteractive(io: IOStreams): boolean {
  return io.stdin.isTTY === true && io.stderr.isTTY === true;
}
