// Test-only helpers for talking to the emulator with plain fetch (no SDK): a fixture that owns one
// emulator per test, request bodies for both wires, and an SSE frame parser.
import { startProviderEmulator } from '../index.js';
import type { ProviderEmulatorHandle, ProviderEmulatorOptions } from '../types.js';

export const KEY_A = 'key-a-0123456789';
export const KEY_B = 'key-b-0123456789';
export const KEYS = { [KEY_A]: 'account-a', [KEY_B]: 'account-b' };
export const OAUTH_BETA = { 'anthropic-beta': 'oauth-2025-04-20' };

export const anthropicBody = (text: string, extra: Record<string, unknown> = {}) => ({
  model: 'claude-test',
  max_tokens: 100,
  messages: [{ role: 'user', content: text }],
  ...extra,
});

export const openaiBody = (text: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-test',
  messages: [{ role: 'user', content: text }],
  ...extra,
});

export interface PlainResponse {
  status: number;
  headers: Headers;
  text: string;
}

export class EmulatorFixture {
  private current: ProviderEmulatorHandle | undefined;

  get emulator(): ProviderEmulatorHandle {
    if (!this.current) throw new Error('start() the emulator first');
    return this.current;
  }

  async start(options: ProviderEmulatorOptions = {}): Promise<ProviderEmulatorHandle> {
    this.current = await startProviderEmulator({ staticKeys: KEYS, ...options });
    return this.current;
  }

  /** Closes the emulator (if a test has not already). */
  async close(): Promise<void> {
    const emulator = this.current;
    this.current = undefined;
    await emulator?.close();
  }

  /** Forgets an emulator the test closed itself. */
  forget(): void {
    this.current = undefined;
  }

  async post(
    path: string,
    body: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${KEY_A}` },
  ): Promise<PlainResponse> {
    const res = await fetch(`${this.emulator.url}${path}`, {
      method: 'POST',
      // Bearer tokens on the Anthropic route need the OAuth beta flag, as on the real API.
      headers: { 'content-type': 'application/json', ...OAUTH_BETA, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
}

/** SSE frames as `{event, data}` (data parsed as JSON unless it is `[DONE]`). */
export function frames(text: string): Array<{ event?: string; data: unknown }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | undefined;
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice('event: '.length);
        if (line.startsWith('data: ')) data += line.slice('data: '.length);
      }
      const parsed: unknown = data === '[DONE]' ? data : JSON.parse(data);
      return { ...(event ? { event } : {}), data: parsed };
    });
}
