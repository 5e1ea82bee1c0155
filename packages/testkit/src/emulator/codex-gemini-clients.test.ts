// The two account wires end to end against the emulator over real HTTP: the Responses client on the
// emulated Codex backend and the Code Assist client (onboarding included), through every fault class.
import { afterEach, describe, expect, test } from 'vitest';
import {
  AuthenticationError,
  ClientError,
  CodeAssistClient,
  FakeClock,
  NetworkError,
  OpenAIResponsesClient,
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
import { CODE_ASSIST_BASE_PATH } from './code-assist-wire.js';
import { CODEX_BASE_PATH } from './responses-wire.js';
import { startProviderEmulator } from './index.js';
import type { ProviderEmulatorHandle, ProviderEmulatorOptions } from './types.js';

const TOKEN = 'oauth-access-token-a-0123456789';
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
  name: string;
  make(emulator: ProviderEmulatorHandle): ProviderClient;
  /** What the stream call carries besides the bearer (the Code Assist project, the Codex account). */
  fields: Record<string, unknown>;
  /** The stop reason of a complete answer. */
  stop: string;
}

const WIRES: Wire[] = [
  {
    name: 'codex responses',
    make: (e) =>
      new OpenAIResponsesClient({
        baseURL: `${e.url}${CODEX_BASE_PATH}`,
        provider: 'codex',
        originator: 'codex_cli_rs',
        sendMaxTokens: false,
      }),
    fields: { account_id: 'chatgpt-account-a' },
    stop: 'completed',
  },
  {
    name: 'code assist',
    make: (e) =>
      new CodeAssistClient({ baseURL: `${e.url}${CODE_ASSIST_BASE_PATH}`, onboardPollMs: 5 }),
    fields: { project_id: 'project-a' },
    stop: 'STOP',
  },
];

let emulator: ProviderEmulatorHandle | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: ProviderEmulatorOptions = {}): Promise<ProviderEmulatorHandle> {
  emulator = await startProviderEmulator({
    staticKeys: { [TOKEN]: 'account-a' },
    codeAssist: { projects: { 'account-a': 'project-a' } },
    ...options,
  });
  return emulator;
}

async function collect(
  client: ProviderClient,
  options: ProviderStreamOptions,
  request: ProviderRequest = REQUEST,
) {
  const chunks: ProviderChunk[] = [];
  try {
    for await (const chunk of client.stream(request, options)) chunks.push(chunk);
    return { chunks, error: undefined as unknown };
  } catch (error) {
    return { chunks, error };
  }
}
const texts = (chunks: ProviderChunk[]): string[] =>
  chunks.flatMap((c) => (c.type === 'text' ? [c.text] : []));

describe.each(WIRES)('$name client on the emulator', (wire) => {
  const run = (emu: ProviderEmulatorHandle, token = TOKEN) =>
    collect(wire.make(emu), { token, tokenFields: wire.fields });

  test('streams the text in order, then one done record with usage', async () => {
    const emu = await start();
    const { chunks, error } = await run(emu);
    expect(error).toBeUndefined();
    expect(texts(chunks)).toEqual(WORDS);
    expect(chunks.at(-1)).toEqual({
      type: 'done',
      stopReason: wire.stop,
      usage: { inputTokens: 10, outputTokens: 4 },
    });
    expect(emu.requests.at(-1)).toMatchObject({ account: 'account-a', status: 200 });
  });

  test.each([500, 503])('HTTP %i → ServerError', async (status) => {
    const emu = await start();
    emu.failNext(1, { status });
    const { error } = await run(emu);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).status).toBe(status);
  });

  test('a rate-limit window → RateLimitError with the wait', async () => {
    const clock = new FakeClock();
    const emu = await start({
      clock,
      defaultQuota: { requestsPerWindow: 1, windowMs: 60_000, mode: '429' },
    });
    expect((await run(emu)).error).toBeUndefined();
    await clock.advance(20_000);
    const { error } = await run(emu);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(40_000);
  });

  test('a spent usage window → QuotaError waiting until it reopens', async () => {
    const emu = await start({
      clock: new FakeClock(),
      defaultQuota: { requestsPerWindow: 0, windowMs: 3_600_000, mode: 'usage-limit-body' },
    });
    const { error } = await run(emu);
    expect(error).toBeInstanceOf(QuotaError);
    expect((error as QuotaError).status).toBe(429);
    expect((error as QuotaError).retryAfterMs).toBe(3_600_000);
  });

  test('an unknown credential → AuthenticationError 401', async () => {
    const emu = await start();
    const { error } = await run(emu, 'sk-unknown-credential-0123456789');
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
  });

  test('an invalid request → ClientError 400', async () => {
    const emu = await start();
    const { error } = await collect(
      wire.make(emu),
      { token: TOKEN, tokenFields: wire.fields },
      { ...REQUEST, model: '' },
    );
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).status).toBe(400);
  });

  test('a stream cut after the first chunk → StreamInterruptedError with the partial text', async () => {
    const emu = await start();
    emu.cutStreamAfter(1);
    const { chunks, error } = await run(emu);
    expect(texts(chunks)).toEqual(['one ']);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).partialText).toBe('one ');
  });

  test('a stream cut before any chunk → a retryable NetworkError', async () => {
    const emu = await start();
    emu.cutStreamAfter(0);
    expect((await run(emu)).error).toBeInstanceOf(NetworkError);
  });

  test('a 200 stream without its terminal event is an interruption, not a success', async () => {
    const emu = await start();
    emu.endStreamWithoutTerminal();
    const { chunks, error } = await run(emu);
    expect(texts(chunks)).toEqual(WORDS);
    expect(error).toMatchObject({ code: STREAM_ENDED_EARLY, partialText: WORDS.join('') });
  });
});

describe('Codex backend specifics', () => {
  test('the account id and originator reach the backend; store false and instructions are sent', async () => {
    const emu = await start();
    await collect(WIRES[0]!.make(emu), { token: TOKEN, tokenFields: WIRES[0]!.fields });
    const [seen] = emu.requests;
    expect(seen?.headers['chatgpt-account-id']).toBe('chatgpt-account-a');
    expect(seen?.headers.originator).toBe('codex_cli_rs');
    expect(seen?.body).toMatchObject({ store: false, instructions: 'be brief', stream: true });
  });
});

describe('Code Assist onboarding', () => {
  test('no project yet → loadCodeAssist → onboardUser → operation → project → requests', async () => {
    const emu = await start({ codeAssist: {} });
    const found: string[] = [];
    const client = new CodeAssistClient({
      baseURL: `${emu.url}${CODE_ASSIST_BASE_PATH}`,
      onboardPollMs: 5,
      onProject: (project) => found.push(project),
    });
    const first = await collect(client, { token: TOKEN });
    expect(first.error).toBeUndefined();
    expect(texts(first.chunks)).toEqual(WORDS);
    expect(found).toHaveLength(1);
    // The project now belongs to the account: stored with the token, it serves without a lookup.
    const again = await collect(client, { token: TOKEN, tokenFields: { project_id: found[0] } });
    expect(again.error).toBeUndefined();
    expect(emu.requests.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });

  test('another account’s project is refused (403) and typed as an auth failure', async () => {
    const emu = await start({ codeAssist: { projects: { 'account-a': 'project-a' } } });
    const { error } = await collect(WIRES[1]!.make(emu), {
      token: TOKEN,
      tokenFields: { project_id: 'project-of-someone-else' },
    });
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(403);
  });

  test('a RESOURCE_EXHAUSTED 429 names its reset in the message and the details', async () => {
    const emu = await start({
      clock: new FakeClock(),
      defaultQuota: { requestsPerWindow: 0, windowMs: 8023_000, mode: 'usage-limit-body' },
    });
    const { error } = await collect(WIRES[1]!.make(emu), {
      token: TOKEN,
      tokenFields: WIRES[1]!.fields,
    });
    expect((error as QuotaError).message).toBe(
      'You have exhausted your capacity on this model. Your quota will reset after 2h13m43s.',
    );
    expect((error as QuotaError).retryAfterMs).toBe(8023_000);
  });
});
