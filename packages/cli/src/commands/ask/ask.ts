// `baton ask [prompt]`: one question, one streamed answer on stdout; everything else on stderr.
// Reads the prompt from stdin when none is given; exits 1 with the per-bucket reasons when every
// bucket fails.
import { resolveProfile } from '../../config/active-profile.js';
import { UsageError } from '../../ui/errors.js';
import type { Factory } from '../factory.js';
import { openProviderSession } from '../provider-session.js';
import { createServices, withInterrupt } from '../services.js';

export interface AskOptions {
  factory: Factory;
  profile?: string;
  prompt?: string;
}

const MAX_PROMPT_CHARS = 1_000_000;

export async function runAsk(options: AskOptions): Promise<void> {
  const { factory } = options;
  const profile = await resolveProfile(factory, options.profile);
  const prompt = (options.prompt ?? (await readPrompt(factory))).trim();
  if (prompt === '') {
    throw new UsageError('the prompt is empty', {
      next: 'baton ask "your question", or pipe the question in',
    });
  }
  const services = await createServices(factory);
  try {
    const session = await openProviderSession(factory, profile, services);
    await session.newTurn();
    let wrote = false;
    await withInterrupt(async (signal) => {
      for await (const text of session.stream([{ role: 'user', content: prompt }], signal)) {
        factory.io.stdout.write(text);
        wrote = true;
      }
    });
    if (wrote) factory.io.stdout.write('\n');
  } finally {
    services.dispose();
  }
}

async function readPrompt(factory: Factory): Promise<string> {
  const { stdin } = factory.io;
  if (stdin.isTTY === true) {
    throw new UsageError('no prompt was given', {
      next: 'baton ask "your question", or pipe the question in',
    });
  }
  let text = '';
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.length > MAX_PROMPT_CHARS)
      throw new UsageError('the prompt on stdin is too long (over 1 MB)');
  }
  return text;
}
