// The emulator over real HTTP (plain fetch, no SDK): wire formats, credentials, quotas with their
// headers and self-resetting windows, faults, counters and shutdown.
import { request as httpRequest, Agent } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { FakeClock } from '@baton/core';
import { startProviderEmulator } from './index.js';
import type { ProviderEmulatorHandle, ProviderEmulatorOptions } from './types.js';

const KEY_A = 'key-a-0123456789';
const KEY_B = 'key-b-0123456789';
const KEYS = { [KEY_A]: 'account-a', [KEY_B]: 'account-b' };

let emulator: ProviderEmulatorHandle | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: ProviderEmulatorOptions = {}): Promise<ProviderEmulatorHandle> {
  emulator = await startProviderEmulator({ staticKeys: KEYS, ...options });
  return emulator;
}

const anthropicBody = (text: string, extra: Record<string, unknown> = {}) => ({
  model: 'claude-test',
  max_tokens: 100,
  messages: [{ role: 'user', content: text }],
  ...extra,
});
const openaiBody = (text: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-test',
  messages: [{ role: 'user', content: text }],
  ...extra,
});

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${KEY_A}` },
  signal?: AbortSignal,
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${emulator!.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** SSE frames as `{event, data}` (data parsed as JSON unless it is `[DONE]`). */
function frames(text: string): Array<{ event?: string; data: unknown }> {
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

describe('Anthropic route', () => {
  test('non-streaming JSON echoes the last user message with usage', async () => {
    await start();
    const res = await post('/v1/messages', anthropicBody('hello there world'));
    expect(res.status).toBe(200);
    const json = JSON.parse(res.text) as Record<string, unknown>;
    expect(json).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text: 'hello there world' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 3, output_tokens: 3 },
    });
  });

  test('SSE carries the full event sequence, deltas in order, message_stop last', async () => {
    await start();
    const res = await post('/v1/messages', anthropicBody('a b c', { stream: true }));
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = frames(res.text);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const deltas = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => (e.data as { delta: { text: string } }).delta.text);
    expect(deltas).toEqual(['a ', 'b ', 'c']);
    expect(events[7]!.data).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: 3 },
    });
  });

  test('max_tokens cuts the reply with stop_reason max_tokens; missing max_tokens is a 400', async () => {
    await start();
    const cut = JSON.parse(
      (await post('/v1/messages', anthropicBody('one two three', { max_tokens: 2 }))).text,
    ) as { content: Array<{ text: string }>; stop_reason: string };
    expect(cut.content[0]!.text).toBe('one two ');
    expect(cut.stop_reason).toBe('max_tokens');

    const bad = await post('/v1/messages', {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: must be a positive integer' },
    });
  });
});

describe('OpenAI route', () => {
  test('non-streaming JSON has choices, finish_reason and usage', async () => {
    await start();
    const res = await post('/v1/chat/completions', openaiBody('hi you'));
    expect(JSON.parse(res.text)).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-test',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'hi you' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 },
    });
  });

  test('SSE: deltas, a finish chunk, the usage chunk when asked, then [DONE]', async () => {
    await start();
    const res = await post(
      '/v1/chat/completions',
      openaiBody('x y', { stream: true, stream_options: { include_usage: true } }),
    );
    const events = frames(res.text);
    const contents = events
      .slice(1, 3)
      .map(
        (e) =>
          (e.data as { choices: Array<{ delta: { content: string } }> }).choices[0]!.delta.content,
      );
    expect(contents).toEqual(['x ', 'y']);
    expect(events[3]!.data).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }] });
    expect(events[4]!.data).toMatchObject({ choices: [], usage: { completion_tokens: 2 } });
    expect(events[5]!.data).toBe('[DONE]');
    expect(events).toHaveLength(6);

    const noUsage = frames(
      (await post('/v1/chat/completions', openaiBody('x', { stream: true }))).text,
    );
    expect(noUsage.some((e) => JSON.stringify(e.data).includes('"usage"'))).toBe(false);
    expect(noUsage.at(-1)!.data).toBe('[DONE]');
  });
});

describe('credentials', () => {
  test('missing, unknown and removed keys get 401 in each wire format; the key is never echoed', async () => {
    const emu = await start();
    const missing = await post('/v1/messages', anthropicBody('x'), {});
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text)).toMatchObject({ error: { type: 'authentication_error' } });

    const secret = 'sk-unknown-secret-value-123456';
    const unknown = await post('/v1/chat/completions', openaiBody('x'), {
      authorization: `Bearer ${secret}`,
    });
    expect(unknown.status).toBe(401);
    expect(JSON.parse(unknown.text)).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_api_key' },
    });
    expect(unknown.text).not.toContain(secret);

    expect((await post('/v1/messages', anthropicBody('x'), { 'x-api-key': KEY_B })).status).toBe(
      200,
    );
    emu.setStaticKey(KEY_B, undefined);
    expect((await post('/v1/messages', anthropicBody('x'), { 'x-api-key': KEY_B })).status).toBe(
      401,
    );

    const log = emu.requests;
    expect(log.map((r) => r.credentialKind)).toEqual(['none', 'bearer', 'x-api-key', 'x-api-key']);
    expect(JSON.stringify(log)).not.toContain(secret);
    expect(JSON.stringify(log)).not.toContain(KEY_B);
  });

  test('introspection: active tokens map to their sub, inactive ones get 401', async () => {
    const { createServer } = await import('node:http');
    const seen: Array<{ authorization?: string; form: string }> = [];
    const tokens: Record<string, unknown> = {
      'live-token-0123456789': { active: true, sub: 'user-42', client_id: 'cli' },
      'dead-token-0123456789': { active: false },
    };
    const as = createServer((req, res) => {
      let form = '';
      req.on('data', (d: Buffer) => (form += d.toString()));
      req.on('end', () => {
        seen.push({
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          form,
        });
        const token = new URLSearchParams(form).get('token') ?? '';
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(tokens[token] ?? { active: false }));
      });
    });
    await new Promise<void>((r) => as.listen(0, '127.0.0.1', r));
    try {
      const port = (as.address() as { port: number }).port;
      const emu = await start({
        introspection: {
          endpoint: `http://127.0.0.1:${port}/introspect`,
          clientId: 'emulator client',
          clientSecret: 's3cret:x',
        },
      });
      const live = { authorization: 'Bearer live-token-0123456789' };
      expect((await post('/v1/messages', anthropicBody('x'), live)).status).toBe(200);
      expect(
        (
          await post('/v1/messages', anthropicBody('x'), {
            authorization: 'Bearer dead-token-0123456789',
          })
        ).status,
      ).toBe(401);
      expect(emu.counters.byAccount['user-42']!.requests).toBe(1);
      expect(emu.counters.introspections).toBe(2);
      // RFC 7662 form body and client_secret_basic with form-encoded id and secret.
      expect(new URLSearchParams(seen[0]!.form).get('token')).toBe('live-token-0123456789');
      const basic = Buffer.from(
        seen[0]!.authorization!.replace(/^Basic /, ''),
        'base64',
      ).toString();
      expect(basic).toBe('emulator%20client:s3cret%3Ax');
    } finally {
      as.closeAllConnections();
      await new Promise((r) => as.close(r));
    }
  });
});

describe('quotas', () => {
  test('429 after N requests with retry-after and anthropic-ratelimit-* headers; the window resets', async () => {
    const clock = new FakeClock();
    await start({
      clock,
      quotas: { 'account-a': { requestsPerWindow: 2, windowMs: 60_000, mode: '429' } },
    });
    const first = await post('/v1/messages', anthropicBody('x'));
    expect(first.headers.get('anthropic-ratelimit-requests-remaining')).toBe('1');
    await post('/v1/messages', anthropicBody('x'));
    await clock.advance(15_000);
    const limited = await post('/v1/messages', anthropicBody('x'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('45');
    expect(limited.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(limited.headers.get('anthropic-ratelimit-requests-reset')).toBe(
      new Date(clock.now() + 45_000).toISOString(),
    );
    const body = JSON.parse(limited.text) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('rate_limit_error');
    expect(body.error.message).not.toMatch(/quota|usage limit/i);

    // account-b has no quota; account-a recovers once the window has passed.
    expect(
      (await post('/v1/messages', anthropicBody('x'), { authorization: `Bearer ${KEY_B}` })).status,
    ).toBe(200);
    await clock.advance(45_000);
    expect((await post('/v1/messages', anthropicBody('x'))).status).toBe(200);
  });

  test('OpenAI route: x-ratelimit-* headers with a Go-style reset duration', async () => {
    const clock = new FakeClock();
    await start({ clock, defaultQuota: { requestsPerWindow: 1, windowMs: 90_000, mode: '429' } });
    await post('/v1/chat/completions', openaiBody('x'));
    await clock.advance(500);
    const limited = await post('/v1/chat/completions', openaiBody('x'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-requests')).toBe('1m29.5s');
    expect(limited.headers.get('retry-after')).toBe('90');
    expect(JSON.parse(limited.text)).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
  });

  test('402 credit balance and the usage-limit body', async () => {
    await start({
      quotas: {
        'account-a': { requestsPerWindow: 0, windowMs: 60_000, mode: '402' },
        'account-b': { requestsPerWindow: 0, windowMs: 60_000, mode: 'usage-limit-body' },
      },
    });
    const credit = await post('/v1/messages', anthropicBody('x'));
    expect(credit.status).toBe(402);
    expect(JSON.parse(credit.text)).toMatchObject({ error: { type: 'billing_error' } });
    expect(credit.text).toMatch(/credit balance/);

    const usage = await post('/v1/chat/completions', openaiBody('x'), {
      authorization: `Bearer ${KEY_B}`,
    });
    expect(usage.status).toBe(429);
    expect(usage.headers.get('retry-after')).toBe('60');
    expect(JSON.parse(usage.text)).toMatchObject({ error: { code: 'usage_limit_reached' } });
    expect(usage.text).toMatch(/usage limit/);
  });
});

describe('faults and counters', () => {
  test('failNext answers with the status and the wire error type, then recovers', async () => {
    const emu = await start();
    emu.failNext(1, { status: 529 });
    emu.failNext(1, { status: 503, retryAfterSeconds: 3, route: 'openai' });
    const overloaded = await post('/v1/messages', anthropicBody('x'));
    expect(overloaded.status).toBe(529);
    expect(JSON.parse(overloaded.text)).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    expect((await post('/v1/messages', anthropicBody('x'))).status).toBe(200);
    const unavailable = await post('/v1/chat/completions', openaiBody('x'));
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('3');
    expect(JSON.parse(unavailable.text)).toMatchObject({ error: { type: 'server_error' } });

    const c = emu.counters;
    expect(c.requests).toBe(3);
    expect(c.byStatus).toEqual({ 200: 1, 503: 1, 529: 1 });
    expect(c.byRoute).toEqual({ anthropic: 2, openai: 1 });
    expect(c.byAccount['account-a']).toMatchObject({
      requests: 3,
      byStatus: { 200: 1, 503: 1, 529: 1 },
    });
    emu.resetCounters();
    expect(emu.counters.requests).toBe(0);
  });

  test('a fault scoped to an account leaves other accounts alone', async () => {
    const emu = await start();
    emu.failNext(1, { status: 500, account: 'account-b' });
    expect((await post('/v1/messages', anthropicBody('x'))).status).toBe(200);
    expect(
      (await post('/v1/messages', anthropicBody('x'), { authorization: `Bearer ${KEY_B}` })).status,
    ).toBe(500);
  });

  test('slowFirstByte holds the status line until the clock has moved', async () => {
    const clock = new FakeClock();
    const emu = await start({ clock });
    emu.slowFirstByte(5_000);
    let settled = false;
    const pending = post('/v1/messages', anthropicBody('x')).finally(() => (settled = true));
    while (clock.pendingSleepers === 0) await new Promise((r) => setTimeout(r, 5));
    await clock.advance(4_999);
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    await clock.advance(1);
    expect((await pending).status).toBe(200);
    expect(clock.sleeps).toEqual([5_000]);
  });

  test('endStreamWithoutTerminal ends cleanly without message_stop / [DONE]', async () => {
    const emu = await start();
    emu.endStreamWithoutTerminal(1, { route: 'anthropic' });
    emu.endStreamWithoutTerminal(1, { route: 'openai' });
    const a = frames((await post('/v1/messages', anthropicBody('a b', { stream: true }))).text);
    expect(a.map((e) => e.event)).not.toContain('message_stop');
    expect(a.filter((e) => e.event === 'content_block_delta')).toHaveLength(2);
    const o = (await post('/v1/chat/completions', openaiBody('a b', { stream: true }))).text;
    expect(o).not.toContain('[DONE]');
    expect(o).not.toContain('"finish_reason":"stop"');
    expect(emu.counters.faultedStreams).toBe(2);
  });

  test('cutStreamAfter destroys the socket after k content chunks', async () => {
    const emu = await start();
    emu.cutStreamAfter(2);
    const res = await fetch(`${emu.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'application/json' },
      body: JSON.stringify(anthropicBody('one two three four', { stream: true })),
    });
    expect(res.status).toBe(200);
    let received = '';
    const decoder = new TextDecoder();
    const failure = await (async () => {
      try {
        for await (const part of res.body!) received += decoder.decode(part as Uint8Array);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(Error);
    expect(received).toContain('"text":"one "');
    expect(received).toContain('"text":"two "');
    expect(received).not.toContain('three');
    expect(emu.counters.faultedStreams).toBe(1);
    expect(emu.counters.clientCloses).toBe(0);
  });

  test('a client that goes away mid-stream is seen and counted', async () => {
    const emu = await start();
    emu.stallStreamAfter(1);
    const controller = new AbortController();
    const res = await fetch(`${emu.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'application/json' },
      body: JSON.stringify(openaiBody('one two', { stream: true })),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const event = await emu.waitForClientClose(1, AbortSignal.timeout(10_000));
    expect(event).toMatchObject({ route: 'openai', account: 'account-a', chunksSent: 1 });
    expect(emu.counters.byAccount['account-a']!.clientCloses).toBe(1);
  });

  test('close() ends idle keep-alive connections and stalled streams', async () => {
    const emu = await start();
    const agent = new Agent({ keepAlive: true });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${emu.url}/v1/messages`, {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${KEY_A}`, 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(JSON.stringify(anthropicBody('x')));
    });
    expect(status).toBe(200);
    emu.stallStreamAfter(0);
    const stalled = post('/v1/messages', anthropicBody('x', { stream: true })).catch(
      (e: unknown) => e,
    );
    while (emu.counters.byStatus[200] !== 2) await new Promise((r) => setTimeout(r, 5));
    await emu.close();
    emulator = undefined;
    expect(await stalled).toBeInstanceOf(Error);
    expect(emu.counters.clientCloses).toBe(0);
    agent.destroy();
  });
});
