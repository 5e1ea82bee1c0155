// Both core provider clients (official SDKs) against the emulator over real HTTP: streamed text in
// order, every fault mapped to the right error class with status and retry time, and abort.
import { afterEach, describe, expect, test } from 'vitest';
import {
  AnthropicMessagesClient,
  AuthenticationError,
  ClientError,
  FakeClock,
  NetworkError,
  OpenAIChatClient,
  QuotaError,
  RateLimitError,
  ServerError,
  STREAM_ENDED_EARLY,
  StreamInterruptedError,
  type ProviderChunk,
  type ProviderClient,
  type ProviderRequest,
  type ProviderStreamOptions,
} from '@baton/core';
import { startProviderEmulator } from './index.js';
import type { EmulatorRoute, ProviderEmulatorHandle, ProviderEmulatorOptions } from './types.js';

const TOKEN = 'oauth-access-token-a-0123456789';
const API_KEY = 'sk-static-api-key-b-0123456789';
const KEYS = { [TOKEN]: 'account-a', [API_KEY]: 'account-b' };
const OAUTH_BETA = { 'anthropic-beta': 'oauth-2025-04-20' };
const WAIT_LIMIT_MS = 10_000;
const REQUEST: ProviderRequest = {
  model: 'test-model',
  system: 'be brief',
  messages: [
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: 'first answer' },
    { role: 'user', content: 'one two three four' },
  ],
};
const WORDS = ['one ', 'two ', 'three ', 'four'];

interface Wire {
  route: EmulatorRoute;
  make(emulator: ProviderEmulatorHandle): ProviderClient;
}

const WIRES: Wire[] = [
  {
    route: 'anthropic',
    // No beta header given: the client adds the OAuth flag for a bearer token itself.
    make: (e) => new AnthropicMessagesClient({ baseURL: e.anthropicBaseURL }),
  },
  { route: 'openai', make: (e) => new OpenAIChatClient({ baseURL: e.openaiBaseURL }) },
];

let emulator: ProviderEmulatorHandle | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: ProviderEmulatorOptions = {}): Promise<ProviderEmulatorHandle> {
  emulator = await startProviderEmulator({ staticKeys: KEYS, ...options });
  return emulator;
}

interface Collected {
  chunks: ProviderChunk[];
  error?: unknown;
}

async function collect(
  client: ProviderClient,
  options: ProviderStreamOptions = { token: TOKEN },
  request: ProviderRequest = REQUEST,
  onChunk?: (chunk: ProviderChunk) => void,
): Promise<Collected> {
  const chunks: ProviderChunk[] = [];
  try {
    for await (const chunk of client.stream(request, options)) {
      chunks.push(chunk);
      onChunk?.(chunk);
    }
    return { chunks };
  } catch (error) {
    return { chunks, error };
  }
}

const texts = (chunks: ProviderChunk[]): string[] =>
  chunks.flatMap((c) => (c.type === 'text' ? [c.text] : []));

describe.each(WIRES)('$route client', (wire) => {
  test('streams the text in order, then one done record with the provider usage', async () => {
    const emu = await start();
    const { chunks, error } = await collect(wire.make(emu));
    expect(error).toBeUndefined();
    expect(texts(chunks)).toEqual(WORDS);
    expect(chunks.at(-1)).toEqual({
      type: 'done',
      stopReason: wire.route === 'anthropic' ? 'end_turn' : 'stop',
      usage: { inputTokens: 10, outputTokens: 4 },
    });
    expect(chunks.filter((c) => c.type === 'done')).toHaveLength(1);

    const [seen] = emu.requests;
    expect(seen).toMatchObject({ route: wire.route, account: 'account-a', status: 200 });
    expect(seen!.credentialKind).toBe('bearer');
    expect(seen!.headers['x-stainless-retry-count']).toBe('0');
    const body = seen!.body as Record<string, unknown>;
    expect(body.stream).toBe(true);
    if (wire.route === 'anthropic') {
      expect(seen!.headers['anthropic-beta']).toBe(OAUTH_BETA['anthropic-beta']);
      expect(body).toMatchObject({ system: 'be brief', max_tokens: 4096 });
      expect(body.messages).toHaveLength(3);
    } else {
      expect(body.messages).toEqual([
        { role: 'system', content: 'be brief' },
        ...REQUEST.messages.map((m) => ({ role: m.role, content: m.content })),
      ]);
      expect(body).toMatchObject({ stream_options: { include_usage: true } });
      expect(body).not.toHaveProperty('max_tokens');
    }
  });

  test('an API key is accepted as the credential and reaches its own account', async () => {
    const emu = await start();
    const { error } = await collect(wire.make(emu), { apiKey: API_KEY });
    expect(error).toBeUndefined();
    expect(emu.counters.byAccount['account-b']?.requests).toBe(1);
    expect(emu.counters.byAccount['account-a']).toBeUndefined();
  });

  test('maxTokens reaches the wire and a cut reply reports the provider stop reason', async () => {
    const emu = await start();
    const { chunks } = await collect(
      wire.make(emu),
      { token: TOKEN },
      { ...REQUEST, maxTokens: 2 },
    );
    expect(texts(chunks)).toEqual(WORDS.slice(0, 2));
    expect(chunks.at(-1)).toMatchObject({
      type: 'done',
      stopReason: wire.route === 'anthropic' ? 'max_tokens' : 'length',
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-RO17
   */
  test.each([
    { status: 500, retryAfterSeconds: undefined },
    { status: 503, retryAfterSeconds: 3 },
    { status: 529, retryAfterSeconds: undefined },
  ])('HTTP $status → ServerError with status and retry time', async (fault) => {
    const emu = await start();
    emu.failNext(1, { ...fault, route: wire.route });
    const { chunks, error } = await collect(wire.make(emu));
    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(ServerError);
    const e = error as ServerError;
    expect(e.status).toBe(fault.status);
    expect(e.provider).toBe(wire.route);
    expect(e.retryAfterMs).toBe(fault.retryAfterSeconds === undefined ? undefined : 3000);
    if (fault.status === 529) expect(e.code).toBe('overloaded_error');
    expect(emu.counters.requests).toBe(1);
  });

  test('quota 429 → RateLimitError with the Retry-After wait and the rate-limit headers', async () => {
    const clock = new FakeClock();
    const emu = await start({
      clock,
      defaultQuota: { requestsPerWindow: 1, windowMs: 60_000, mode: '429' },
    });
    expect((await collect(wire.make(emu))).error).toBeUndefined();
    await clock.advance(20_000);
    const { error } = await collect(wire.make(emu));
    expect(error).toBeInstanceOf(RateLimitError);
    const e = error as RateLimitError;
    expect(e).toMatchObject({ status: 429, retryAfterMs: 40_000 });
    expect(e.headers['retry-after']).toBe('40');
    const remaining =
      wire.route === 'anthropic'
        ? 'anthropic-ratelimit-requests-remaining'
        : 'x-ratelimit-remaining-requests';
    expect(e.headers[remaining]).toBe('0');
  });

  test.each([
    { mode: 'credit-balance' as const, anthropic: 400, openai: 429 },
    { mode: 'usage-limit-body' as const, anthropic: 429, openai: 429 },
  ])('quota mode $mode → QuotaError with the real status', async ({ mode, ...statuses }) => {
    const emu = await start({ defaultQuota: { requestsPerWindow: 0, windowMs: 60_000, mode } });
    const { error } = await collect(wire.make(emu));
    expect(error).toBeInstanceOf(QuotaError);
    expect((error as QuotaError).status).toBe(statuses[wire.route]);
    // A spent subscription window says when it reopens; the client keeps that as the wait.
    if (mode === 'usage-limit-body') {
      const wait = (error as QuotaError).retryAfterMs ?? 0;
      expect(wait).toBeGreaterThan(58_000);
      expect(wait).toBeLessThanOrEqual(61_000);
    }
  });

  test('the SDK environment is not read: custom headers, base URL and organisation stay out', async () => {
    const emu = await start();
    const saved = { ...process.env };
    process.env.ANTHROPIC_CUSTOM_HEADERS = 'x-leaked-from-env: yes';
    process.env.OPENAI_CUSTOM_HEADERS = 'x-leaked-from-env: yes';
    process.env.ANTHROPIC_BASE_URL = 'http://127.0.0.1:9/nowhere';
    process.env.OPENAI_ORG_ID = 'org-from-env';
    try {
      const { error } = await collect(wire.make(emu));
      expect(error).toBeUndefined();
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    }
    const [seen] = emu.requests;
    expect(seen!.headers).not.toHaveProperty('x-leaked-from-env');
    expect(seen!.headers).not.toHaveProperty('openai-organization');
  });

  test('an unknown credential → AuthenticationError that never shows the secret', async () => {
    const emu = await start();
    const secret = 'sk-revoked-secret-never-shown-42';
    const { error } = await collect(wire.make(emu), { token: secret });
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
    const shown = [
      (error as Error).message,
      JSON.stringify(error),
      JSON.stringify((error as AuthenticationError).headers),
      (error as AuthenticationError).body ?? '',
    ].join('\n');
    expect(shown).not.toContain(secret);
  });

  test('an invalid request → ClientError 400 with the provider message', async () => {
    const emu = await start();
    const { error } = await collect(wire.make(emu), { token: TOKEN }, { ...REQUEST, model: '' });
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).status).toBe(400);
    expect((error as ClientError).body).toContain('model: field required');
  });

  test('a stream cut after the first chunk → StreamInterruptedError with the partial text', async () => {
    const emu = await start();
    emu.cutStreamAfter(1);
    const { chunks, error } = await collect(wire.make(emu));
    expect(texts(chunks)).toEqual(['one ']);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    const e = error as StreamInterruptedError;
    expect(e.partialText).toBe('one ');
    expect(e.partialOutput).toEqual([{ type: 'text', text: 'one ' }]);
    expect(e.cause).toBeInstanceOf(NetworkError);
    expect(emu.counters.faultedStreams).toBe(1);
  });

  test('a stream cut before any chunk → a retryable NetworkError, not an interruption', async () => {
    const emu = await start();
    emu.cutStreamAfter(0);
    const { chunks, error } = await collect(wire.make(emu));
    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(NetworkError);
  });

  test('a 200 stream without its terminal event is an interruption, not a success', async () => {
    const emu = await start();
    emu.endStreamWithoutTerminal();
    const { chunks, error } = await collect(wire.make(emu));
    expect(texts(chunks)).toEqual(WORDS);
    expect(chunks.some((c) => c.type === 'done')).toBe(false);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error).toMatchObject({ code: STREAM_ENDED_EARLY, partialText: WORDS.join('') });
  });

  test('abort mid-stream stops the stream and the emulator sees the connection close', async () => {
    const emu = await start();
    emu.stallStreamAfter(1);
    const controller = new AbortController();
    const { chunks, error } = await collect(
      wire.make(emu),
      { token: TOKEN, signal: controller.signal },
      REQUEST,
      () => controller.abort(),
    );
    expect(texts(chunks)).toEqual(['one ']);
    expect(error).toMatchObject({ name: 'AbortError' });
    const closed = await emu.waitForClientClose(1, AbortSignal.timeout(WAIT_LIMIT_MS));
    expect(closed).toMatchObject({ route: wire.route, account: 'account-a', chunksSent: 1 });
  });

  test('a caller that stops reading closes the connection (no stream left running)', async () => {
    const emu = await start();
    emu.stallStreamAfter(2);
    const seen: string[] = [];
    for await (const chunk of wire.make(emu).stream(REQUEST, { token: TOKEN })) {
      if (chunk.type === 'text') seen.push(chunk.text);
      break;
    }
    expect(seen).toEqual(['one ']);
    const closed = await emu.waitForClientClose(1, AbortSignal.timeout(WAIT_LIMIT_MS));
    expect(closed.route).toBe(wire.route);
  });

  test('abort while waiting for the first byte rejects at once and closes the connection', async () => {
    const emu = await start();
    emu.slowFirstByte(120_000);
    const controller = new AbortController();
    const pending = collect(wire.make(emu), { token: TOKEN, signal: controller.signal });
    await emu.waitUntil(
      (c) => c.byAccount['account-a']?.requests === 1,
      AbortSignal.timeout(WAIT_LIMIT_MS),
    );
    controller.abort(new DOMException('user pressed Ctrl-C', 'AbortError'));
    const { error } = await pending;
    expect(error).toMatchObject({ name: 'AbortError', message: 'user pressed Ctrl-C' });
    const closed = await emu.waitForClientClose(1, AbortSignal.timeout(WAIT_LIMIT_MS));
    expect(closed.chunksSent).toBe(0);
  });

  test('an already aborted signal sends nothing', async () => {
    const emu = await start();
    const { error } = await collect(wire.make(emu), { token: TOKEN, signal: AbortSignal.abort() });
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(emu.counters.requests).toBe(0);
  });
});
