// Classification of real SDK errors from a real loopback HTTP server, real fetch failures, and the
// typed errors toProviderError builds from them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyProviderError, toProviderError } from './classify.js';
import {
  AllBucketsExhaustedError,
  AuthenticationError,
  ClientError,
  NetworkError,
  type ProviderError,
  QuotaError,
  RateLimitError,
  ServerError,
  StreamInterruptedError,
} from './errors.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const API_KEY = 'sk-test-0123456789abcdef-secret';

// ---------------------------------------------------------------------------------------------
// A loopback server: each path answers with a fixed status, headers and body.

interface Canned {
  status: number;
  headers?: Record<string, string>;
  body: string;
}
const canned = new Map<string, Canned>();
let server: Server;
let baseURL: string;

function answer(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const prefix = (req.url ?? '').split('/')[1] ?? '';
  const c = canned.get(prefix);
  if (prefix === 'hang') return; // never answers: for timeouts and aborts
  if (prefix === 'reset') {
    req.socket.destroy();
    return;
  }
  if (!c) {
    res.writeHead(500).end();
    return;
  }
  res.writeHead(c.status, { 'content-type': 'application/json', ...c.headers }).end(c.body);
}

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const anthropicBody = (type: string, message: string): string =>
  JSON.stringify({ type: 'error', error: { type, message } });
const openaiBody = (code: string | null, type: string, message: string): string =>
  JSON.stringify({ error: { code, type, message, param: null } });

async function anthropicError(
  prefix: string,
  c: Canned | undefined,
  timeout = 60_000,
): Promise<unknown> {
  if (c) canned.set(prefix, c);
  const client = new Anthropic({
    apiKey: API_KEY,
    baseURL: `${baseURL}/${prefix}`,
    maxRetries: 0,
    timeout,
  });
  try {
    await client.messages.create({
      model: 'm',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'hi' }],
    });
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

async function openaiError(prefix: string, c: Canned | undefined): Promise<unknown> {
  if (c) canned.set(prefix, c);
  const client = new OpenAI({ apiKey: API_KEY, baseURL: `${baseURL}/${prefix}`, maxRetries: 0 });
  try {
    await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

const classify = (error: unknown) => classifyProviderError(error, { now: NOW });

// ---------------------------------------------------------------------------------------------

describe('real SDK errors over HTTP', () => {
  it('Anthropic 429 rate_limit_error with retry-after → rate-limit with the wait', async () => {
    const error = await anthropicError('a429', {
      status: 429,
      headers: {
        'retry-after': '7',
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': new Date(NOW + 30_000).toISOString(),
      },
      body: anthropicBody(
        'rate_limit_error',
        'This request would exceed the rate limit for your organization',
      ),
    });
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const c = classify(error);
    expect(c).toMatchObject({
      kind: 'rate-limit',
      status: 429,
      retryAfterMs: 7000,
      resetAfterMs: 30_000,
      quotaWording: false,
      overloaded: false,
      code: 'rate_limit_error',
    });
    expect(c.error).toBe(error);
  });

  it('OpenAI 429 insufficient_quota → quota', async () => {
    const error = await openaiError('o429q', {
      status: 429,
      body: openaiBody(
        'insufficient_quota',
        'insufficient_quota',
        'You exceeded your current quota, please check your plan and billing details.',
      ),
    });
    const c = classify(error);
    expect(c).toMatchObject({
      kind: 'quota',
      status: 429,
      quotaWording: true,
      code: 'insufficient_quota',
    });
  });

  it('OpenAI 429 rate limit with x-ratelimit headers → rate-limit with the exhausted reset', async () => {
    const error = await openaiError('o429r', {
      status: 429,
      headers: {
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '20ms',
        'x-ratelimit-remaining-tokens': '10',
        'x-ratelimit-reset-tokens': '6m0s',
        'retry-after-ms': '25',
      },
      body: openaiBody('rate_limit_exceeded', 'requests', 'Rate limit reached for requests'),
    });
    expect(classify(error)).toMatchObject({
      kind: 'rate-limit',
      status: 429,
      retryAfterMs: 25,
      resetAfterMs: 20,
    });
  });

  it('Anthropic 529 overloaded_error → server, overloaded', async () => {
    const error = await anthropicError('a529', {
      status: 529,
      body: anthropicBody('overloaded_error', 'Overloaded'),
    });
    expect(classify(error)).toMatchObject({
      kind: 'server',
      status: 529,
      overloaded: true,
      code: 'overloaded_error',
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P04
   * @requirement REQ-1598-CL11
   */
  it('Anthropic 200 stream with an overloaded_error SSE event → server, overloaded, no status', async () => {
    canned.set('sse', {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: `event: error\ndata: ${anthropicBody('overloaded_error', 'Overloaded')}\n\n`,
    });
    const client = new Anthropic({ apiKey: API_KEY, baseURL: `${baseURL}/sse`, maxRetries: 0 });
    let caught: unknown;
    try {
      const stream = await client.messages.create({
        model: 'm',
        max_tokens: 1,
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      for await (const _event of stream) {
        // drain
      }
    } catch (error) {
      caught = error;
    }
    const c = classify(caught);
    expect(c).toMatchObject({ kind: 'server', overloaded: true });
    expect(c.status).toBeUndefined();
  });

  it('Anthropic 401 → auth; the API key never shows in the classification', async () => {
    const error = await anthropicError('a401', {
      status: 401,
      body: anthropicBody('authentication_error', 'invalid x-api-key'),
    });
    const c = classify(error);
    expect(c).toMatchObject({ kind: 'auth', status: 401 });
    expect(JSON.stringify({ ...c, error: undefined })).not.toContain(API_KEY);
  });

  it('OpenAI 403 → auth', async () => {
    const error = await openaiError('o403', {
      status: 403,
      body: openaiBody(null, 'invalid_request_error', 'forbidden'),
    });
    expect(classify(error)).toMatchObject({ kind: 'auth', status: 403 });
  });

  it('Anthropic 400 credit balance is quota (the account is out, not the request wrong)', async () => {
    const error = await anthropicError('a400', {
      status: 400,
      body: anthropicBody(
        'invalid_request_error',
        'Your credit balance is too low to access the Anthropic API.',
      ),
    });
    expect(classify(error)).toMatchObject({
      kind: 'quota',
      status: 400,
      quotaWording: true,
      billingWording: true,
    });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P04
   * @requirement REQ-1598-CL12
   */
  it('Anthropic 403 "only authorized for use with Claude Code" is refused by policy', async () => {
    const error = await anthropicError('a403refused', {
      status: 403,
      body: anthropicBody(
        'permission_error',
        'This credential is only authorized for use with Claude Code and cannot be used for other API requests.',
      ),
    });
    expect(classify(error)).toMatchObject({ kind: 'refused', status: 403 });
  });

  it('OpenAI 404 → client; 500 → server, not overloaded', async () => {
    const notFound = await openaiError('o404', {
      status: 404,
      body: openaiBody('model_not_found', 'invalid_request_error', 'no such model'),
    });
    expect(classify(notFound)).toMatchObject({
      kind: 'client',
      status: 404,
      code: 'model_not_found',
    });
    const broken = await openaiError('o500', {
      status: 500,
      body: openaiBody(null, 'server_error', 'oops'),
    });
    expect(classify(broken)).toMatchObject({ kind: 'server', status: 500, overloaded: false });
  });

  /**
   * @plan PLAN-20260223-ISSUE1598.P04
   * @requirement REQ-1598-CL10
   */
  it('SDK connection error to a closed port → network with the socket code from the cause chain', async () => {
    const port = await closedPort();
    const client = new Anthropic({
      apiKey: API_KEY,
      baseURL: `http://127.0.0.1:${port}`,
      maxRetries: 0,
    });
    const error = await client.messages
      .create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(classify(error)).toMatchObject({
      kind: 'network',
      networkCode: 'ECONNREFUSED',
      code: 'ECONNREFUSED',
    });
  });

  it('SDK timeout → network (APIConnectionTimeoutError by name)', async () => {
    const error = await anthropicError('hang', undefined, 200);
    expect(error).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    expect(classify(error).kind).toBe('network');
  });

  it('SDK user abort → abort (APIUserAbortError), for both SDKs', async () => {
    const controller = new AbortController();
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${baseURL}/hang`, maxRetries: 0 });
    const pending = client.chat.completions
      .create(
        { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
        { signal: controller.signal },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    controller.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(classify(error).kind).toBe('abort');
    expect(classify(new Anthropic.APIUserAbortError()).kind).toBe('abort');
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P04
 * @requirement REQ-1598-CL10
 */
describe('real fetch failures', () => {
  it('fetch to a closed port → network ECONNREFUSED', async () => {
    const port = await closedPort();
    const error = await fetch(`http://127.0.0.1:${port}/`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('fetch failed');
    expect(classify(error)).toMatchObject({ kind: 'network', networkCode: 'ECONNREFUSED' });
  });

  it('server closing the socket mid-request → network with an undici socket code', async () => {
    const error = await fetch(`${baseURL}/reset`).then(
      () => undefined,
      (e: unknown) => e,
    );
    const c = classify(error);
    expect(c.kind).toBe('network');
    expect(c.networkCode).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)$/);
  });
});

describe('toProviderError', () => {
  it('builds the typed error with status, lower-cased headers, wait, body, code, provider and cause', async () => {
    const error = await anthropicError('t429', {
      status: 429,
      headers: { 'Retry-After': '3', 'set-cookie': 'session=secret-cookie' },
      body: anthropicBody('rate_limit_error', 'slow down'),
    });
    const typed = toProviderError(error, { now: NOW, provider: 'anthropic' });
    expect(typed).toBeInstanceOf(RateLimitError);
    const e = typed as RateLimitError;
    expect(e).toMatchObject({
      status: 429,
      retryAfterMs: 3000,
      code: 'rate_limit_error',
      provider: 'anthropic',
    });
    expect(e.headers['retry-after']).toBe('3');
    expect(Object.keys(e.headers)).not.toContain('set-cookie');
    expect(e.body).toContain('slow down');
    expect(e.cause).toBe(error);
    expect(JSON.stringify(e.headers) + e.message + e.body).not.toContain(API_KEY);
  });
  it('never copies credential-bearing response headers', () => {
    const headers = new Headers({
      'set-cookie': 'a=1',
      cookie: 'b=2',
      authorization: 'Bearer x',
      'proxy-authorization': 'Basic y',
      'x-api-key': 'k',
      'request-id': 'req_1',
    });
    const e = toProviderError({ status: 500, headers }, { now: NOW }) as ServerError;
    expect(e.headers).toEqual({ 'request-id': 'req_1' });
  });
  it('falls back to the reset time when there is no Retry-After', () => {
    const e = toProviderError(
      { status: 429, message: 'quota', headers: { 'x-ratelimit-reset-tokens': '5s' } },
      { now: NOW },
    );
    expect(e).toBeInstanceOf(QuotaError);
    expect((e as QuotaError).retryAfterMs).toBe(5000);
  });
  it.each([
    [{ status: 401 }, AuthenticationError],
    [{ status: 402 }, QuotaError],
    [{ status: 500 }, ServerError],
    [{ status: 422 }, ClientError],
    [new TypeError('fetch failed', { cause: { code: 'EPIPE' } }), NetworkError],
  ])('%o → the matching class', (input, cls) => {
    const e = toProviderError(input, { now: NOW });
    expect(e).toBeInstanceOf(cls);
    expect(e.cause).toBe(input);
    expect((e as ProviderError).provider).toBeUndefined();
  });
  it('network errors carry the socket code', () => {
    const e = toProviderError(new TypeError('fetch failed', { cause: { code: 'EPIPE' } }));
    expect((e as NetworkError).code).toBe('EPIPE');
  });
  it('returns aborts, exhausted errors, typed errors and unknown errors unchanged', () => {
    const abort = new DOMException('aborted', 'AbortError');
    const exhausted = new AllBucketsExhaustedError('openai', ['a']);
    const typed = new ServerError('s', { status: 500 });
    const interrupted = new StreamInterruptedError('cut', [], '');
    const plain = new Error('weird');
    for (const e of [abort, exhausted, typed, interrupted, plain])
      expect(toProviderError(e)).toBe(e);
  });
  it('wraps a non-Error unknown so it can be thrown', () => {
    const e = toProviderError('odd');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('odd');
    expect(e.cause).toBe('odd');
  });
});
