// The emulator over real HTTP (plain fetch, no SDK): both wire formats, credentials, and quotas
// with their headers and self-resetting windows.
import { afterEach, describe, expect, test } from 'vitest';
import { FakeClock } from '@baton/core';
import {
  anthropicBody,
  EmulatorFixture,
  frames,
  KEY_B,
  openaiBody,
} from './__tests__/http-fixture.js';

const fx = new EmulatorFixture();
afterEach(() => fx.close());

describe('Anthropic route', () => {
  test('non-streaming JSON echoes the last user message with usage', async () => {
    await fx.start();
    const res = await fx.post('/v1/messages', anthropicBody('hello there world'));
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
    await fx.start();
    const res = await fx.post('/v1/messages', anthropicBody('a b c', { stream: true }));
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
    await fx.start();
    const cut = JSON.parse(
      (await fx.post('/v1/messages', anthropicBody('one two three', { max_tokens: 2 }))).text,
    ) as { content: Array<{ text: string }>; stop_reason: string };
    expect(cut.content[0]!.text).toBe('one two ');
    expect(cut.stop_reason).toBe('max_tokens');

    const bad = await fx.post('/v1/messages', {
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
    await fx.start();
    const res = await fx.post('/v1/chat/completions', openaiBody('hi you'));
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
    await fx.start();
    const res = await fx.post(
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
      (await fx.post('/v1/chat/completions', openaiBody('x', { stream: true }))).text,
    );
    expect(noUsage.some((e) => JSON.stringify(e.data).includes('"usage"'))).toBe(false);
    expect(noUsage.at(-1)!.data).toBe('[DONE]');
  });
});

describe('credentials', () => {
  test('missing, unknown and removed keys get 401 in each wire format; the key is never echoed', async () => {
    const emu = await fx.start();
    const missing = await fx.post('/v1/messages', anthropicBody('x'), {});
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text)).toMatchObject({ error: { type: 'authentication_error' } });

    const secret = 'sk-unknown-secret-value-123456';
    const unknown = await fx.post('/v1/chat/completions', openaiBody('x'), {
      authorization: `Bearer ${secret}`,
    });
    expect(unknown.status).toBe(401);
    expect(JSON.parse(unknown.text)).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_api_key' },
    });
    expect(unknown.text).not.toContain(secret);

    expect((await fx.post('/v1/messages', anthropicBody('x'), { 'x-api-key': KEY_B })).status).toBe(
      200,
    );
    emu.setStaticKey(KEY_B, undefined);
    expect((await fx.post('/v1/messages', anthropicBody('x'), { 'x-api-key': KEY_B })).status).toBe(
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
      const emu = await fx.start({
        introspection: {
          endpoint: `http://127.0.0.1:${port}/introspect`,
          clientId: 'emulator client',
          clientSecret: 's3cret:x',
        },
      });
      const live = { authorization: 'Bearer live-token-0123456789' };
      expect((await fx.post('/v1/messages', anthropicBody('x'), live)).status).toBe(200);
      expect(
        (
          await fx.post('/v1/messages', anthropicBody('x'), {
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
    await fx.start({
      clock,
      quotas: { 'account-a': { requestsPerWindow: 2, windowMs: 60_000, mode: '429' } },
    });
    const first = await fx.post('/v1/messages', anthropicBody('x'));
    expect(first.headers.get('anthropic-ratelimit-requests-remaining')).toBe('1');
    await fx.post('/v1/messages', anthropicBody('x'));
    await clock.advance(15_000);
    const limited = await fx.post('/v1/messages', anthropicBody('x'));
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
      (await fx.post('/v1/messages', anthropicBody('x'), { authorization: `Bearer ${KEY_B}` }))
        .status,
    ).toBe(200);
    await clock.advance(45_000);
    expect((await fx.post('/v1/messages', anthropicBody('x'))).status).toBe(200);
  });

  test('OpenAI route: x-ratelimit-* headers with a Go-style reset duration', async () => {
    const clock = new FakeClock();
    await fx.start({
      clock,
      defaultQuota: { requestsPerWindow: 1, windowMs: 90_000, mode: '429' },
    });
    await fx.post('/v1/chat/completions', openaiBody('x'));
    await clock.advance(500);
    const limited = await fx.post('/v1/chat/completions', openaiBody('x'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-requests')).toBe('1m29.5s');
    expect(limited.headers.get('retry-after')).toBe('90');
    expect(JSON.parse(limited.text)).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
  });

  test('credit balance and usage limit answer in the real shapes of each wire', async () => {
    const clock = new FakeClock();
    await fx.start({
      clock,
      quotas: {
        'account-a': { requestsPerWindow: 0, windowMs: 60_000, mode: 'credit-balance' },
        'account-b': { requestsPerWindow: 0, windowMs: 60_000, mode: 'usage-limit-body' },
      },
    });
    const credit = await fx.post('/v1/messages', anthropicBody('x'));
    expect(credit.status).toBe(400);
    const creditBody = JSON.parse(credit.text) as {
      type: string;
      error: { type: string; message: string };
    };
    expect(creditBody.type).toBe('error');
    expect(creditBody.error.type).toBe('invalid_request_error');
    expect(creditBody.error.message).toMatch(/^Your credit balance is too low/);
    const insufficient = await fx.post('/v1/chat/completions', openaiBody('x'));
    expect(insufficient.status).toBe(429);
    expect(JSON.parse(insufficient.text)).toMatchObject({
      error: { type: 'insufficient_quota', code: 'insufficient_quota' },
    });

    const asB = { authorization: `Bearer ${KEY_B}` };
    const resetUnix = String(Math.ceil((clock.now() + 60_000) / 1000));
    const window = await fx.post('/v1/messages', anthropicBody('x'), asB);
    expect(window.status).toBe(429);
    expect(window.headers.get('retry-after')).toBeNull();
    expect(window.headers.get('anthropic-ratelimit-unified-status')).toBe('rejected');
    expect(window.headers.get('anthropic-ratelimit-unified-reset')).toBe(resetUnix);
    expect(JSON.parse(window.text)).toMatchObject({ error: { type: 'rate_limit_error' } });

    const codex = await fx.post('/v1/chat/completions', openaiBody('x'), asB);
    expect(codex.status).toBe(429);
    expect(codex.headers.get('retry-after')).toBeNull();
    expect(codex.headers.get('x-codex-primary-reset-after-seconds')).toBe('60');
    expect(JSON.parse(codex.text)).toEqual({
      error: {
        type: 'usage_limit_reached',
        message: 'The usage limit has been reached',
        plan_type: 'plus',
        resets_at: Number(resetUnix),
        resets_in_seconds: 60,
      },
    });
  });
});
