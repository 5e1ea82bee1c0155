// Questions to a person at the terminal (a hidden answer for keys and pasted codes), behind an
// interface so tests answer with a scripted prompter and nothing ever reads argv for a secret.
import type { IOStreams } from './io.js';

export interface Prompter {
  /** Reads an answer without echoing it. */
  secret(message: string, signal?: AbortSignal): Promise<string>;
  /** Reads a visible one-line answer. */
  text(message: string, signal?: AbortSignal): Promise<string>;
}

/** Prompts through @inquirer/prompts on the given streams (loaded on first use). */
export function createTerminalPrompter(io: IOStreams): Prompter {
  const context = (signal?: AbortSignal) => ({
    input: io.stdin,
    output: io.stderr,
    clearPromptOnDone: true,
    ...(signal ? { signal } : {}),
  });
  return {
    async secret(message, signal) {
      const { password } = await import('@inquirer/prompts');
      return password({ message, mask: '*' }, context(signal));
    },
    async text(message, signal) {
      const { input } = await import('@inquirer/prompts');
      return input({ message }, context(signal));
    },
  };
}
