// The chat loop: reads a line, streams the answer to stdout, keeps the conversation. Ctrl-C cancels
// the answer in flight (the session stays), Ctrl-D or /exit leaves, /status shows the buckets.
import { createInterface } from 'node:readline';
import type { ProviderMessage } from '@baton/core';
import { describeError } from '../../ui/errors.js';
import type { Factory } from '../factory.js';

export interface ChatSession {
  /** Streams the answer's text for the conversation so far. */
  stream(messages: readonly ProviderMessage[], signal: AbortSignal): AsyncIterable<string>;
  /** Before each user turn: back to the first usable bucket. */
  newTurn(): Promise<void>;
  /** Lines for /status (buckets, the active one, cooldowns). */
  statusLines(): Promise<string[]>;
}

export const REPL_PROMPT = '> ';
const HELP =
  'type a message; /status shows the buckets, /exit or Ctrl-D leaves, Ctrl-C cancels an answer';

export async function runRepl(factory: Factory, session: ChatSession): Promise<void> {
  const { io, out } = factory;
  const rl = createInterface({
    input: io.stdin,
    output: io.stderr,
    terminal: io.stdin.isTTY === true,
    prompt: REPL_PROMPT,
  });
  const messages: ProviderMessage[] = [];
  let inFlight: AbortController | undefined;
  let closed = false;

  const onInterrupt = (): void => {
    if (inFlight) {
      inFlight.abort();
      return;
    }
    if (io.stdin.isTTY !== true) {
      rl.close(); // nobody can type Ctrl-D into a pipe: an idle Ctrl-C leaves
      return;
    }
    out.info('');
    out.note(`(${HELP})`);
    rl.prompt();
  };
  rl.on('SIGINT', onInterrupt);
  // With piped stdin readline does not see Ctrl-C; the process signal does the same job.
  process.on('SIGINT', onInterrupt);
  rl.on('close', () => {
    closed = true;
    inFlight?.abort();
  });

  out.note(`(${HELP})`);
  rl.prompt();
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '/exit' || line === '/quit') break;
      if (line === '/status') {
        for (const status of await session.statusLines()) out.info(status);
      } else if (line === '/help') {
        out.note(HELP);
      } else if (line !== '') {
        await answerTurn(line);
      }
      if (closed) break;
      rl.prompt();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    rl.close();
  }

  async function answerTurn(line: string): Promise<void> {
    messages.push({ role: 'user', content: line });
    const controller = new AbortController();
    inFlight = controller;
    let text = '';
    try {
      await session.newTurn();
      for await (const delta of session.stream(messages, controller.signal)) {
        text += delta;
        io.stdout.write(delta);
      }
      io.stdout.write('\n');
      messages.push({ role: 'assistant', content: text });
    } catch (error) {
      if (text !== '') io.stdout.write('\n');
      messages.pop(); // the turn did not complete; the next one starts from the last good state
      if (controller.signal.aborted) {
        out.note('(answer cancelled)');
      } else {
        const described = describeError(error);
        out.failure(described.message);
        if (described.next) out.info(`  Next: ${described.next}`);
      }
    } finally {
      inFlight = undefined;
    }
  }
}
