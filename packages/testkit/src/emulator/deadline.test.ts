// Deadlines that hold while a call runs, against the emulator's stalled streams in real time: a
// stalled stream with deadlineMs 1000 ends within about a second with no manual abort, and a stream
// idle for streamIdleMs ends its attempt (retried before output, interrupted after).
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  AnthropicMessagesClient,
  DeadlineExceededError,
  OpenAIChatClient,
  RetryOrchestrator,
  StreamInterruptedError,
  systemClock,
  type ProviderChunk,
  type ProviderClient,
  type RetryOptions,
} from '@baton/core';
import { startProviderEmulator } from './index.js';
import type { EmulatorRoute, ProviderEmulatorHandle } from './types.js';

const TOKEN = 'oauth-access-token-a-0123456789';
const DEADLINE_MS = 1000;
/** How late past the deadline the rejection may come on a busy machine. */
const DEADLINE_SLACK_MS = 1500;
const IDLE_MS = 300;
const WAIT_LIMIT_MS = 10_000;

interface Wire {
  route: EmulatorRoute;
  make(emulator: ProviderEmulatorHandle): ProviderClient;
}
const WIRES: Wire[] = [
  { route: 'anthropic', make: (e) => new AnthropicMessagesClient({ baseURL: e.anthropicBaseURL }) },
  { route: 'openai', make: (e) => new OpenAIChatClient({ baseURL: e.openaiBaseURL }) },
];

let emulator: ProviderEmulatorHandle | undefined;

// The SDKs are loaded on a client's first request; load them before any deadline is measured.
beforeAll(async () => {
  const warm = await startProviderEmulator({ staticKeys: { [TOKEN]: 'account-a' } });
  try {
    for (const wire of WIRES) {
      const request = { model: 'm', messages: [{ role: 'user' as const, content: 'warm' }] };
      for await (const chunk of wire.make(warm).stream(request, { token: TOKEN })) void chunk;
    }
  } finally {
    await warm.close();
  }
});

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function run(
  wire: Wire,
  options: Partial<RetryOptions>,
): Promise<{ chunks: ProviderChunk[]; error?: unknown; elapsedMs: number }> {
  const client = wire.make(emulator!);
  const orchestrator = new RetryOrchestrator({
    provider: wire.route,
    clock: systemClock,
    random: () => 0.5,
    // Backoff waits are not what these tests measure.
    options: { initialDelayMs: 1, maxDelayMs: 1, ...options },
  });
  const chunks: ProviderChunk[] = [];
  const started = Date.now();
  try {
    const stream = orchestrator.stream(
      ({ signal }) =>
        client.stream(
          { model: 'm', messages: [{ role: 'user', content: 'one two three' }] },
          { token: TOKEN, signal },
        ),
      { textOf: (c) => (c.type === 'text' ? c.text : '') },
    );
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, elapsedMs: Date.now() - started };
  } catch (error) {
    return { chunks, error, elapsedMs: Date.now() - started };
  }
}

describe.each(WIRES)('$route stream under a deadline', (wire) => {
  test('a stream stalled before any output rejects at the 1 s deadline, no manual abort', async () => {
    emulator = await startProviderEmulator({ staticKeys: { [TOKEN]: 'account-a' } });
    emulator.stallStreamAfter(0);
    const { chunks, error, elapsedMs } = await run(wire, { deadlineMs: DEADLINE_MS });
    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(elapsedMs).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(elapsedMs).toBeLessThan(DEADLINE_MS + DEADLINE_SLACK_MS);
    // The stalled connection was closed by the client, not left hanging.
    const closed = await emulator.waitForClientClose(1, AbortSignal.timeout(WAIT_LIMIT_MS));
    expect(closed.chunksSent).toBe(0);
    expect(emulator.counters.requests).toBe(1);
  });

  test('a stream stalled after output ends interrupted at the deadline, keeping the text', async () => {
    emulator = await startProviderEmulator({ staticKeys: { [TOKEN]: 'account-a' } });
    emulator.stallStreamAfter(1);
    const { chunks, error, elapsedMs } = await run(wire, { deadlineMs: DEADLINE_MS });
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).partialText).toBe('one ');
    expect((error as StreamInterruptedError).cause).toBeInstanceOf(DeadlineExceededError);
    expect(chunks).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(DEADLINE_MS + DEADLINE_SLACK_MS);
  });

  test('a stream idle before output is retried after streamIdleMs and then served', async () => {
    emulator = await startProviderEmulator({ staticKeys: { [TOKEN]: 'account-a' } });
    emulator.stallStreamAfter(0);
    const { chunks, error, elapsedMs } = await run(wire, { streamIdleMs: IDLE_MS });
    expect(error).toBeUndefined();
    expect(chunks.map((c) => (c.type === 'text' ? c.text : '')).join('')).toBe('one two three');
    expect(emulator.counters.requests).toBe(2);
    expect(elapsedMs).toBeGreaterThanOrEqual(IDLE_MS - 50);
  });

  test('a stream idle after output ends interrupted, never retried', async () => {
    emulator = await startProviderEmulator({ staticKeys: { [TOKEN]: 'account-a' } });
    emulator.stallStreamAfter(2);
    const { error } = await run(wire, { streamIdleMs: IDLE_MS });
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).partialText).toBe('one two ');
    expect((error as StreamInterruptedError).message).toMatch(/sent nothing for 300 ms/);
    expect(emulator.counters.requests).toBe(1);
  });
});
