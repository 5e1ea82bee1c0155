// The Responses client against a plain HTTP server speaking the Codex backend's wire: request shape
// and headers, streamed text, and every fault class typed as the retry engine expects.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../util/fake-clock.js';
import {
  AuthenticationError,
  ClientError,
  NetworkError,
  QuotaError,
  RateLimitError,
  ServerError,
  StreamInterruptedError,
} from '../errors.js';
import { STREAM_ENDED_EARLY, type ProviderChunk, type ProviderStreamOptions } from '../types.js';
import {
  hangUp,
  hold,
  json,
  sse,
  startWireServer,
  type SseFrame,
  type WireServer,
} from '../../../test/wire-server.js';
import {
  accountIdFromIdToken,
  codexAccountId,
  NO_INSTRUCTIONS,
  OpenAIResponsesClient,
  toResponsesParams,
} from './OpenAIResponsesClient.js';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const TOKEN = 'chatgpt-access-token-0123456789';
const ACCOUNT = 'acct-7f3a-0001';

/** An unsigned JWT with the Codex auth claim, as auth.openai.com puts it in the id_token. */
function idToken(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.signature`;
}
const ID_TOKEN = idToken({
  email: 'a@example.com',
  'https://api.openai.com/auth': { chatgpt_account_id: ACCOUNT, chatgpt_plan_type: 'plus' },
});

/** The Responses events the Codex backend streams for a two-word answer. */
function answer(words: string[]): SseFrame[] {
  const frames: SseFrame[] = [
    {
      event: 'response.created',
      data: {
        type: 'response.created',
        sequence_number: 0,
        response: { id: 'resp_1', object: 'response', status: 'in_progress', output: [] },
      },
    },
  ];
  words.forEach((delta, i) =>
    frames.push({
      event: 'response.output_text.delta',
      data: {
        type: 'response.output_text.delta',
        sequence_number: i + 1,
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta,
      },
    }),
  );
  frames.push({
    event: 'response.completed',
    data: {
      type: 'response.completed',
      sequence_number: words.length + 1,
      response: {
        id: 'resp_1',
        object: 'response',
        status: 'completed',
        output: [],
        usage: { input_tokens: 12, output_tokens: words.length, total_tokens: 12 + words.length },
      },
    },
  });
  return frames;
}

let server: WireServer;
let client: OpenAIResponsesClient;
beforeEach(async () => {
  server = await startWireServer();
  client = new OpenAIResponsesClient({
    baseURL: `${server.url}/backend-api/codex`,
    provider: 'codex',
    originator: 'codex_cli_rs',
    sendMaxTokens: false,
    clock: new FakeClock(NOW),
  });
});
afterEach(() => server.close());

const REQUEST = {
  model: 'gpt-5-codex',
  system: 'be brief',
  maxTokens: 64,
  messages: [
    { role: 'user' as const, content: 'hello' },
    { role: 'assistant' as const, content: 'hi' },
    { role: 'user' as const, content: 'count' },
  ],
};

async function run(
  options: ProviderStreamOptions = { token: TOKEN, tokenFields: { id_token: ID_TOKEN } },
): Promise<{ chunks: ProviderChunk[]; error?: unknown }> {
  const chunks: ProviderChunk[] = [];
  try {
    for await (const chunk of client.stream(REQUEST, options)) chunks.push(chunk);
    return { chunks };
  } catch (error) {
    return { chunks, error };
  }
}

describe('OpenAIResponsesClient: the request', () => {
  it('posts a Codex Responses body with the account, originator and bearer headers', async () => {
    server.answer(sse(answer(['one ', 'two'])));
    const { chunks, error } = await run();
    expect(error).toBeUndefined();
    expect(chunks).toEqual([
      { type: 'text', text: 'one ' },
      { type: 'text', text: 'two' },
      { type: 'done', stopReason: 'completed', usage: { inputTokens: 12, outputTokens: 2 } },
    ]);
    const [seen] = server.seen;
    expect(seen?.url).toBe('/backend-api/codex/responses');
    expect(seen?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen?.headers['chatgpt-account-id']).toBe(ACCOUNT);
    expect(seen?.headers.originator).toBe('codex_cli_rs');
    expect(seen?.body).toEqual({
      model: 'gpt-5-codex',
      instructions: 'be brief',
      input: [
        { type: 'message', role: 'user', content: 'hello' },
        { type: 'message', role: 'assistant', content: 'hi' },
        { type: 'message', role: 'user', content: 'count' },
      ],
      store: false,
      stream: true,
    });
  });

  it('without a system prompt sends `instructions` as an empty string, never leaves it out', async () => {
    server.answer(sse(answer(['ok'])));
    const { system: _system, ...bare } = REQUEST;
    for await (const _chunk of client.stream(bare, { token: TOKEN })) void _chunk;
    const body = server.seen[0]?.body as Record<string, unknown>;
    expect(Object.keys(body)).toContain('instructions');
    expect(body.instructions).toBe(NO_INSTRUCTIONS);
    expect(NO_INSTRUCTIONS).toBe('');
    expect(toResponsesParams({ ...bare, system: '' }, false).instructions).toBe('');
  });

  it('the backend refusing a body without instructions is a client error in its own words', async () => {
    server.answer(json(400, { detail: 'Instructions are required' }));
    const { error } = await run();
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).status).toBe(400);
    expect((error as Error).message).toContain('Instructions are required');
  });

  it('prefers the account id stored with the token and sends none for a plain API key', async () => {
    server.answer(sse(answer(['x'])));
    await run({ token: TOKEN, tokenFields: { account_id: 'acct-stored', id_token: ID_TOKEN } });
    await run({ apiKey: 'sk-plain-key-0123456789' });
    expect(server.seen[0]?.headers['chatgpt-account-id']).toBe('acct-stored');
    expect(server.seen[1]?.headers['chatgpt-account-id']).toBeUndefined();
    expect(server.seen[1]?.headers.authorization).toBe('Bearer sk-plain-key-0123456789');
  });

  it('reads the account claim of an id_token and nothing from a malformed one', () => {
    expect(accountIdFromIdToken(ID_TOKEN)).toBe(ACCOUNT);
    expect(accountIdFromIdToken('not-a-jwt')).toBeUndefined();
    expect(accountIdFromIdToken('a.!!!.c')).toBeUndefined();
    expect(accountIdFromIdToken(idToken({ sub: 'x' }))).toBeUndefined();
    expect(codexAccountId(undefined)).toBeUndefined();
    expect(codexAccountId({ account_id: '' })).toBeUndefined();
  });

  it('reports an incomplete response with its reason as the stop reason', async () => {
    const frames = answer(['cut']);
    frames[frames.length - 1] = {
      event: 'response.incomplete',
      data: {
        type: 'response.incomplete',
        sequence_number: 3,
        response: {
          id: 'resp_1',
          status: 'incomplete',
          incomplete_details: { reason: 'max_output_tokens' },
          output: [],
        },
      },
    };
    server.answer(sse(frames));
    const { chunks } = await run();
    expect(chunks.at(-1)).toEqual({ type: 'done', stopReason: 'max_output_tokens' });
  });
});

describe('OpenAIResponsesClient: every fault class', () => {
  it('429 usage_limit_reached is quota with the reset of its body and headers', async () => {
    // The shape of codex-rs/core/src/client.rs's UsageErrorResponse, plus the x-codex-* headers.
    server.answer(
      json(
        429,
        {
          error: {
            type: 'usage_limit_reached',
            message: 'The usage limit has been reached',
            plan_type: 'plus',
            resets_in_seconds: 5400,
          },
        },
        { 'x-codex-primary-used-percent': '100', 'x-codex-primary-reset-after-seconds': '5400' },
      ),
    );
    const { error } = await run();
    expect(error).toBeInstanceOf(QuotaError);
    expect((error as QuotaError).status).toBe(429);
    expect((error as QuotaError).retryAfterMs).toBe(5_400_000);
    expect((error as QuotaError).provider).toBe('codex');
  });

  it('429 with retry-after and no quota wording is a rate limit', async () => {
    server.answer(
      json(
        429,
        { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
        { 'retry-after': '7' },
      ),
    );
    const { error } = await run();
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(7000);
  });

  it.each([
    [401, AuthenticationError],
    [403, AuthenticationError],
    [400, ClientError],
    [500, ServerError],
    [503, ServerError],
  ])('HTTP %i is a %o', async (status, ErrorClass) => {
    server.answer(json(status, { error: { message: `status ${status}`, type: 'x' } }));
    const { error } = await run();
    expect(error).toBeInstanceOf(ErrorClass);
    expect((error as AuthenticationError).status).toBe(status);
  });

  it('a dropped connection before any answer is a network failure', async () => {
    server.answer(hangUp);
    const { error } = await run();
    expect(error).toBeInstanceOf(NetworkError);
  });

  it('a stream dropped after text is an interruption carrying the text', async () => {
    server.answer(sse(answer(['one ', 'two ', 'three']), { dropAfter: 3 }));
    const { chunks, error } = await run();
    expect(chunks).toEqual([
      { type: 'text', text: 'one ' },
      { type: 'text', text: 'two ' },
    ]);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).partialText).toBe('one two ');
  });

  it('a stream that ends cleanly without response.completed is retryable, not an answer', async () => {
    server.answer(sse(answer([]).slice(0, 1)));
    const { error } = await run();
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe(STREAM_ENDED_EARLY);
  });

  it.each([
    [
      'error',
      {
        type: 'error',
        sequence_number: 1,
        code: 'rate_limit_exceeded',
        message: 'slow down',
        param: null,
      },
      RateLimitError,
    ],
    [
      'response.failed',
      {
        type: 'response.failed',
        sequence_number: 1,
        response: {
          id: 'r',
          status: 'failed',
          output: [],
          error: { code: 'server_error', message: 'boom' },
        },
      },
      ServerError,
    ],
    [
      'response.failed',
      {
        type: 'response.failed',
        sequence_number: 1,
        response: {
          id: 'r',
          status: 'failed',
          output: [],
          error: { code: 'usage_limit_reached', message: 'The usage limit has been reached' },
        },
      },
      QuotaError,
    ],
  ])('a %s event inside the stream is typed by its code', async (event, data, ErrorClass) => {
    server.answer(sse([answer([])[0]!, { event, data }]));
    const { error } = await run();
    expect(error).toBeInstanceOf(ErrorClass);
  });

  it('an abort rejects with the caller’s reason', async () => {
    server.answer(hold);
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 50);
    const { error } = await run({ token: TOKEN, signal: controller.signal });
    expect(error).toBe(reason);
  });
});
