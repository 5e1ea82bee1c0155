// Progress for long waits: an ora spinner on a terminal, plain lines otherwise (logs and pipes get
// one line per state change, never control characters).
import type { Output } from './output.js';

export interface Progress {
  /** Replaces the current text (a spinner redraws; plain mode prints nothing to avoid noise). */
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  /** Removes the spinner without a final line. */
  stop(): void;
}

interface OraLike {
  text: string;
  start(): OraLike;
  succeed(text?: string): OraLike;
  fail(text?: string): OraLike;
  stop(): OraLike;
}

/** Starts progress for `text`; the spinner module is loaded only when a terminal will show it. */
export async function startProgress(out: Output, text: string): Promise<Progress> {
  if (out.io.stderr.isTTY !== true || !out.colors.enabled) return plainProgress(out, text);
  const { default: ora } = await import('ora');
  const spinner = (
    ora as unknown as (o: { text: string; stream: NodeJS.WritableStream }) => OraLike
  )({ text, stream: out.io.stderr }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    succeed: (next) => void spinner.succeed(next),
    fail: (next) => void spinner.fail(next),
    stop: () => void spinner.stop(),
  };
}

export function plainProgress(out: Output, text: string): Progress {
  out.info(`${text}`);
  return {
    update: () => undefined,
    succeed: (next) => out.success(next),
    fail: (next) => out.failure(next),
    stop: () => undefined,
  };
}
