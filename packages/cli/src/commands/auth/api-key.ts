// Reads an API key for `auth login --api-key`: from stdin when it is piped, else from a prompt that
// does not echo. Never from argv, where other users could read it in the process list.
import { UsageError } from '../../ui/errors.js';
import type { Factory } from '../factory.js';

const MAX_KEY_BYTES = 16 * 1024;

export async function readApiKey(
  factory: Factory,
  label: string,
  signal?: AbortSignal,
): Promise<string> {
  const { stdin } = factory.io;
  const key =
    stdin.isTTY === true
      ? await factory.prompter.secret(`API key for ${label}`, signal)
      : await readAll(stdin);
  const trimmed = key.trim();
  if (trimmed === '') {
    throw new UsageError('no API key was given', {
      next: `pipe it in: \`printf %s "$KEY" | baton auth login ${label.replace('/', ' --bucket ')} --api-key\``,
    });
  }
  if (/\s/.test(trimmed)) {
    throw new UsageError('the API key contains spaces or line breaks; give the key alone', {
      next: 'pipe only the key, with no other text',
    });
  }
  return trimmed;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.length > MAX_KEY_BYTES)
      throw new UsageError('stdin holds more than an API key', { next: 'pipe only the key' });
  }
  return text;
}
