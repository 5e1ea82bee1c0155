// RetryOrchestrator + a real SDK client + the emulator, without buckets: what is retried (5xx, a
// stream that died before any output) and what never is (400, a stream cut after output).
import { afterEach, describe, expect, test } from 'vitest';
import {
  AnthropicMessagesClient,
  ClientError,
  DEFAULT_RETRY_OPTIONS,
  FakeClock,
  OpenAIChatClient,
  RetryOrchestrator,
  StreamInterruptedError,
  type ProviderChunk,
  type ProviderClient,
  type ProviderRequest,
} from '@baton/core';
import { startProviderEmulator } from './index.js';
import type { EmulatorRoute, ProviderEmulatorHandle } from './types.js';

const TOKEN = 'oauth-access-token-a-0123456789';
const REQUEST: ProviderRequest = {
  model: 'test-model',
  messages: [{ role: 'user', content: 'one two three' }],
};
/** Jitter source fixed at the middle of its range. */
const MID_RANDOM = (): number => 0.5;

interface Wire {
  route: EmulatorRoute;
  make(emulator: ProviderEmulatorHandle): ProviderClient;
}
const WIRES: Wire[] = [
  { route: 'anthropic', make: (e) => new AnthropicMessagesClient({ baseURL: e.anthropicBaseURL }) },
  { route: 'openai', make: (e) => new OpenAIChatClient({ baseURL: e.openaiBaseURL }) },
];

let emulator: ProviderEmulatorHandle | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/**
 * Runs the orchestrated stream to its end. HTTP is real and fake time moves only by the waits the
 * orchestrator announces (onWait, just before it sleeps): no polling, and the deadline and idle
 * timers never see more time pass than the waits themselves.
 */
async function run(
  clock: FakeClock,
  route: EmulatorRoute,
  client: ProviderClient,
): Promise<{ chunks: ProviderChunk[]; waits: number[]; error?: unknown }> {
  const waits: number[] = [];
  const orchestrator = new RetryOrchestrator({
    provider: route,
    clock,
    random: MID_RANDOM,
    onWait: ({ ms }) => {
      waits.push(ms);
      void clock.advance(ms);
    },
  });
  const chunks: ProviderChunk[] = [];
  try {
    const stream = orchestrator.stream(
      ({ signal }) => client.stream(REQUEST, { token: TOKEN, signal }),
      { textOf: (c) => (c.type === 'text' ? c.text : '') },
    );
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, waits };
  } catch (error) {
    return { chunks, waits, error };
  }
}

const text = (chunks: ProviderChunk[]): string =>
  chunks.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe.each(WIRES)('orchestrated $route client', (wire) => {
  test('a 5xx is retried after a backoff wait, then the stream succeeds', async () => {
    const emu = await startProviderEmulator({ staticKeys: { [TOKEN]: 'account-a' } });
    emulator = emu;
    emu.failNext(1, { status: 500 });
    const clock = new FakeClock();
    const { chunks, waits, error } = await run(clock, wire.route, wire.make(emu));
    expect(error).toBeUndefined();
    expect(text(chunks)).toBe('one two three');
    expect(chunks.at(-1)).toMatchObject({ type: 'done' });
    expect(emu.counters.byStatus).toEqual({ 500: 1, 200: 1 });
    expect(waits).toHaveLength(1);
    const jitter = DEFAULT_RETRY_OPTIONS.initialDelayMs * DEFAULT_RETRY_OPTIONS.jitterRatio;
    expect(waits[0]).toBeGreaterThanOrEqual(DEFAULT_RETRY_OPTIONS.initialDelayMs - jitter);
    expect(waits[0]).toBeLessThanOrEqual(DEFAULT_RETRY_OPTIONS.initialDelayMs + jitter);
  });

  test('a 400 is thrown at once, never retried', async () => {
    const emu = await startProviderEmulator({ staticKeys: { [TOKEN]: 'account-a' } });
    emulator = emu;
    emu.failNext(1, { status: 400, message: 'messages: bad shape' });
    const clock = new FakeClock();
    const { chunks, waits, error } = await run(clock, wire.route, wire.make(emu));
    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).status).toBe(400);
    expect(emu.counters.requests).toBe(1);
    expect(waits).toEqual([]);
  });

  test('a stream cut after the first chunk → StreamInterruptedError with the partial text, no retry', async () => {
    const emu = await startProviderEmulator({ staticKeys: { [TOKEN]: 'account-a' } });
    emulator = emu;
    emu.cutStreamAfter(1);
    const clock = new FakeClock();
    const { chunks, waits, error } = await run(clock, wire.route, wire.make(emu));
    expect(text(chunks)).toBe('one ');
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).partialText).toBe('one ');
    // The orchestrator's message names the underlying failure once, not the client's wrapper.
    expect((error as Error).message.match(/interrupted/g)).toHaveLength(1);
    expect(emu.counters.requests).toBe(1);
    expect(waits).toEqual([]);
  });

  test('a stream that dies before any output is retried like a network error', async () => {
    const emu = await startProviderEmulator({ staticKeys: { [TOKEN]: 'account-a' } });
    emulator = emu;
    emu.cutStreamAfter(0);
    const clock = new FakeClock();
    const { chunks, waits, error } = await run(clock, wire.route, wire.make(emu));
    expect(error).toBeUndefined();
    expect(text(chunks)).toBe('one two three');
    expect(emu.counters.requests).toBe(2);
    expect(emu.counters.faultedStreams).toBe(1);
    expect(waits).toHaveLength(1);
  });
});
