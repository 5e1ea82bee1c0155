// The Code Assist client against a plain HTTP server speaking the v1internal wire: project lookup and
// onboarding (with its long-running operation), the streamed answer, and every fault class.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../util/fake-clock.js';
import {
  AuthenticationError,
  ClientError,
  CredentialRefusedError,
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
import { CodeAssistClient, ONBOARD_POLL_MS } from './CodeAssistClient.js';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const TOKEN = 'ya29.google-access-token-0123456789';
const STORED = { token: TOKEN, tokenFields: { project_id: 'stored-project-1' } };

/** Each SSE event of Code Assist wraps one GenerateContentResponse in `response`. */
function answer(words: string[]): SseFrame[] {
  const frames: SseFrame[] = words.map((text, i) => ({
    data: {
      response: {
        candidates: [
          {
            content: {
              role: 'model',
              parts: i === 0 ? [{ text: 'plan', thought: true }, { text }] : [{ text }],
            },
            index: 0,
          },
        ],
        modelVersion: 'gemini-2.5-pro',
      },
      traceId: 't-1',
    },
  }));
  frames.push({
    data: {
      response: {
        candidates: [
          { content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 },
        ],
        usageMetadata: {
          promptTokenCount: 9,
          candidatesTokenCount: words.length,
          totalTokenCount: 9 + words.length,
        },
      },
    },
  });
  return frames;
}

/** The 429 Code Assist sends when a Google account's daily model quota is spent. */
const EXHAUSTED = {
  error: {
    code: 429,
    message:
      'You have exhausted your capacity on this model. Your quota will reset after 2h13m43s.',
    status: 'RESOURCE_EXHAUSTED',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'QUOTA_EXHAUSTED',
        domain: 'cloudcode-pa.googleapis.com',
        metadata: {
          quotaResetDelay: '2h13m43.5s',
          quotaResetTimeStamp: '2026-11-30T14:13:43Z',
          model: 'gemini-2.5-pro',
        },
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '8023.5s' },
    ],
  },
};

/** Code Assist's 403 for a project the account may not use (cline/cline issue 4526). */
function projectRefusal(project: string): unknown {
  return [
    {
      error: {
        code: 403,
        message: `Permission denied on resource project ${project}.`,
        status: 'PERMISSION_DENIED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'CONSUMER_INVALID',
            domain: 'googleapis.com',
            metadata: {
              consumer: `projects/${project}`,
              service: 'cloudaicompanion.googleapis.com',
            },
          },
        ],
      },
    },
  ];
}

let server: WireServer;
let clock: FakeClock;
let stored: Array<{ project: string; fields: unknown }>;
let refused: Array<{ project: string; fields: unknown }>;
let client: CodeAssistClient;
beforeEach(async () => {
  server = await startWireServer();
  clock = new FakeClock(NOW);
  stored = [];
  refused = [];
  client = new CodeAssistClient({
    baseURL: `${server.url}/v1internal`,
    clock,
    onProject: (project, fields) => stored.push({ project, fields }),
    onProjectRefused: (project, fields) => refused.push({ project, fields }),
  });
});
afterEach(() => server.close());

const REQUEST = {
  model: 'gemini-2.5-pro',
  system: 'be brief',
  maxTokens: 100,
  messages: [
    { role: 'user' as const, content: 'hello' },
    { role: 'assistant' as const, content: 'hi' },
    { role: 'user' as const, content: 'count' },
  ],
};

async function run(options: ProviderStreamOptions = STORED) {
  const chunks: ProviderChunk[] = [];
  try {
    for await (const chunk of client.stream(REQUEST, options)) chunks.push(chunk);
    return { chunks, error: undefined as unknown };
  } catch (error) {
    return { chunks, error };
  }
}

describe('CodeAssistClient: requests and the project', () => {
  it('streams with the stored project: {model, project, request}, thoughts left out', async () => {
    server.answer(sse(answer(['one ', 'two'])));
    const { chunks, error } = await run();
    expect(error).toBeUndefined();
    expect(chunks).toEqual([
      { type: 'text', text: 'one ' },
      { type: 'text', text: 'two' },
      { type: 'done', stopReason: 'STOP', usage: { inputTokens: 9, outputTokens: 2 } },
    ]);
    expect(server.seen).toHaveLength(1);
    const [seen] = server.seen;
    expect(seen?.url).toBe('/v1internal:streamGenerateContent?alt=sse');
    expect(seen?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen?.body).toEqual({
      model: 'gemini-2.5-pro',
      project: 'stored-project-1',
      request: {
        contents: [
          { role: 'user', parts: [{ text: 'hello' }] },
          { role: 'model', parts: [{ text: 'hi' }] },
          { role: 'user', parts: [{ text: 'count' }] },
        ],
        systemInstruction: { role: 'user', parts: [{ text: 'be brief' }] },
        generationConfig: { maxOutputTokens: 100 },
      },
    });
    expect(stored).toEqual([]);
  });

  it('an onboarded account: loadCodeAssist gives the project once, then it is reused', async () => {
    server.answer(
      json(200, {
        currentTier: { id: 'free-tier' },
        allowedTiers: [{ id: 'free-tier', isDefault: true }],
        cloudaicompanionProject: 'managed-project-7',
      }),
      sse(answer(['a'])),
      sse(answer(['b'])),
    );
    await run({ token: TOKEN, tokenFields: {} });
    const second = await run({ token: TOKEN, tokenFields: {} });
    expect(second.chunks[0]).toEqual({ type: 'text', text: 'b' });
    expect(server.seen.map((s) => s.url)).toEqual([
      '/v1internal:loadCodeAssist',
      '/v1internal:streamGenerateContent?alt=sse',
      '/v1internal:streamGenerateContent?alt=sse',
    ]);
    expect(server.seen[0]?.body).toEqual({
      metadata: {
        ideType: 'IDE_UNSPECIFIED',
        platform: 'PLATFORM_UNSPECIFIED',
        pluginType: 'GEMINI',
      },
    });
    expect((server.seen[2]?.body as { project: string }).project).toBe('managed-project-7');
    expect(stored.map((s) => s.project)).toEqual(['managed-project-7', 'managed-project-7']);
  });

  it('no project yet: onboards the default tier, polls the operation, stores the project, streams', async () => {
    server.answer(
      json(200, { allowedTiers: [{ id: 'legacy-tier' }, { id: 'free-tier', isDefault: true }] }),
      json(200, { name: 'operations/onboard-1', done: false }),
      json(200, {
        name: 'operations/onboard-1',
        done: true,
        response: {
          '@type': 'type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse',
          cloudaicompanionProject: { id: 'fresh-project-3', name: 'fresh' },
        },
      }),
      sse(answer(['ok'])),
    );
    const done = run({ token: TOKEN, tokenFields: { kept: 1 } });
    await vi.waitFor(() => expect(clock.pendingSleepers).toBe(1));
    await clock.advance(ONBOARD_POLL_MS);
    const { chunks, error } = await done;
    expect(error).toBeUndefined();
    expect(chunks[0]).toEqual({ type: 'text', text: 'ok' });
    expect(clock.sleeps).toEqual([ONBOARD_POLL_MS]);
    expect(server.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /v1internal:loadCodeAssist',
      'POST /v1internal:onboardUser',
      'GET /v1internal/operations/onboard-1',
      'POST /v1internal:streamGenerateContent?alt=sse',
    ]);
    // The free tier is onboarded without a project: Google manages one (gemini-cli setup.ts).
    expect(server.seen[1]?.body).toEqual({
      tierId: 'free-tier',
      metadata: {
        ideType: 'IDE_UNSPECIFIED',
        platform: 'PLATFORM_UNSPECIFIED',
        pluginType: 'GEMINI',
      },
    });
    expect(stored).toEqual([{ project: 'fresh-project-3', fields: { kept: 1 } }]);
  });

  it('an account on a tier without a project is refused, so failover moves on', async () => {
    server.answer(json(200, { currentTier: { id: 'standard-tier' } }));
    const { error } = await run({ token: TOKEN });
    expect(error).toBeInstanceOf(CredentialRefusedError);
  });

  it('a stored project refused as not the account’s is handed back to be dropped; the 403 stands', async () => {
    server.answer(json(403, projectRefusal('stored-project-1')));
    const { error } = await run();
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('Permission denied on resource project');
    expect(refused).toEqual([{ project: 'stored-project-1', fields: STORED.tokenFields }]);
  });

  it('only that refusal of a stored project: another 403, or a project just looked up, is kept', async () => {
    const denied = { error: { code: 403, message: 'denied', status: 'PERMISSION_DENIED' } };
    server.answer(
      json(403, denied),
      json(200, { currentTier: { id: 'free-tier' }, cloudaicompanionProject: 'looked-up' }),
      json(403, projectRefusal('looked-up')),
    );
    expect((await run()).error).toBeInstanceOf(AuthenticationError);
    expect((await run({ token: TOKEN })).error).toBeInstanceOf(AuthenticationError);
    expect(refused).toEqual([]);
  });

  it('a failed lookup is not remembered', async () => {
    server.answer(
      json(503, { error: { code: 503, message: 'unavailable', status: 'UNAVAILABLE' } }),
      json(200, { currentTier: { id: 'free-tier' }, cloudaicompanionProject: 'p' }),
      sse(answer(['x'])),
    );
    expect((await run({ token: TOKEN })).error).toBeInstanceOf(ServerError);
    expect((await run({ token: TOKEN })).error).toBeUndefined();
  });
});

describe('CodeAssistClient: every fault class', () => {
  it('429 RESOURCE_EXHAUSTED with its reset details is quota, waiting for the reset', async () => {
    server.answer(json(429, EXHAUSTED));
    const { error } = await run();
    expect(error).toBeInstanceOf(QuotaError);
    expect((error as QuotaError).status).toBe(429);
    expect((error as QuotaError).retryAfterMs).toBe(8_023_500);
    expect((error as QuotaError).message).toContain('Your quota will reset after 2h13m43s');
  });

  it('429 RESOURCE_EXHAUSTED without a spent quota is a rate limit', async () => {
    server.answer(
      json(429, {
        error: {
          code: 429,
          message: 'Resource has been exhausted (e.g. check quota).',
          status: 'RESOURCE_EXHAUSTED',
        },
      }),
    );
    expect((await run()).error).toBeInstanceOf(RateLimitError);
  });

  it.each([
    [401, 'UNAUTHENTICATED', AuthenticationError],
    [403, 'PERMISSION_DENIED', AuthenticationError],
    [400, 'INVALID_ARGUMENT', ClientError],
    [500, 'INTERNAL', ServerError],
    [503, 'UNAVAILABLE', ServerError],
  ])('HTTP %i %s is a %o', async (status, code, ErrorClass) => {
    server.answer(
      json(status, { error: { code: status, message: code.toLowerCase(), status: code } }),
    );
    const { error } = await run();
    expect(error).toBeInstanceOf(ErrorClass);
    expect((error as ServerError).status).toBe(status);
  });

  it('an auth failure of the project lookup is an auth failure of the request', async () => {
    server.answer(
      json(401, {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials.',
          status: 'UNAUTHENTICATED',
        },
      }),
    );
    expect((await run({ token: TOKEN })).error).toBeInstanceOf(AuthenticationError);
  });

  it('a dropped connection before any answer is a network failure', async () => {
    server.answer(hangUp);
    expect((await run()).error).toBeInstanceOf(NetworkError);
  });

  it('a stream dropped after text is an interruption carrying the text', async () => {
    server.answer(sse(answer(['one ', 'two ', 'three']), { dropAfter: 2 }));
    const { chunks, error } = await run();
    expect(chunks).toHaveLength(2);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).partialText).toBe('one two ');
  });

  it('a stream that ends cleanly without a finish reason is retryable', async () => {
    server.answer(sse([]));
    const { error } = await run();
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe(STREAM_ENDED_EARLY);
  });

  it('an error event inside the 200 stream is typed by its code', async () => {
    server.answer(sse([{ data: EXHAUSTED }]));
    expect((await run()).error).toBeInstanceOf(QuotaError);
  });

  it('an abort rejects with the caller’s reason', async () => {
    server.answer(hold);
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 50);
    expect((await run({ ...STORED, signal: controller.signal })).error).toBe(reason);
  });
});
