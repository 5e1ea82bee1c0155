// Emulator fault injection over real HTTP: injected statuses, slow first bytes, cut, stalled and
// unterminated streams, client closes, counters, and shutdown with keep-alive connections.
import { request as httpRequest, Agent } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { FakeClock } from '@baton/core';
import {
  anthropicBody,
  EmulatorFixture,
  frames,
  KEY_A,
  KEY_B,
  openaiBody,
} from './__tests__/http-fixture.js';

const fx = new EmulatorFixture();
afterEach(() => fx.close());

describe('faults and counters', () => {
  test('failNext answers with the status and the wire error type, then recovers', async () => {
    const emu = await fx.start();
    emu.failNext(1, { status: 529 });
    emu.failNext(1, { status: 503, retryAfterSeconds: 3, route: 'openai' });
    const overloaded = await fx.post('/v1/messages', anthropicBody('x'));
    expect(overloaded.status).toBe(529);
    expect(JSON.parse(overloaded.text)).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    expect((await fx.post('/v1/messages', anthropicBody('x'))).status).toBe(200);
    const unavailable = await fx.post('/v1/chat/completions', openaiBody('x'));
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
    const emu = await fx.start();
    emu.failNext(1, { status: 500, account: 'account-b' });
    expect((await fx.post('/v1/messages', anthropicBody('x'))).status).toBe(200);
    expect(
      (await fx.post('/v1/messages', anthropicBody('x'), { authorization: `Bearer ${KEY_B}` }))
        .status,
    ).toBe(500);
  });

  test('slowFirstByte holds the status line until the clock has moved', async () => {
    const clock = new SignallingClock();
    const emu = await fx.start({ clock });
    emu.slowFirstByte(5_000);
    let settled = false;
    const pending = fx.post('/v1/messages', anthropicBody('x')).finally(() => (settled = true));
    await clock.nextSleep;
    await clock.advance(4_999);
    // Still asleep (its sleeper pending), so no status line can have been sent.
    expect(clock.pendingSleepers).toBe(1);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect((await pending).status).toBe(200);
    expect(clock.sleeps).toEqual([5_000]);
  });

  test('endStreamWithoutTerminal ends cleanly without message_stop / [DONE]', async () => {
    const emu = await fx.start();
    emu.endStreamWithoutTerminal(1, { route: 'anthropic' });
    emu.endStreamWithoutTerminal(1, { route: 'openai' });
    const a = frames((await fx.post('/v1/messages', anthropicBody('a b', { stream: true }))).text);
    expect(a.map((e) => e.event)).not.toContain('message_stop');
    expect(a.filter((e) => e.event === 'content_block_delta')).toHaveLength(2);
    const o = (await fx.post('/v1/chat/completions', openaiBody('a b', { stream: true }))).text;
    expect(o).not.toContain('[DONE]');
    expect(o).not.toContain('"finish_reason":"stop"');
    expect(emu.counters.faultedStreams).toBe(2);
  });

  test('cutStreamAfter destroys the socket after k content chunks', async () => {
    const emu = await fx.start();
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
    const emu = await fx.start();
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
    const emu = await fx.start();
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
    const stalled = fx
      .post('/v1/messages', anthropicBody('x', { stream: true }))
      .catch((e: unknown) => e);
    await emu.waitUntil((c) => c.byStatus[200] === 2, AbortSignal.timeout(10_000));
    await emu.close();
    fx.forget();
    expect(await stalled).toBeInstanceOf(Error);
    expect(emu.counters.clientCloses).toBe(0);
    agent.destroy();
  });
});

/** A FakeClock whose `nextSleep` resolves when someone first sleeps on it (no polling needed). */
class SignallingClock extends FakeClock {
  private wake: (() => void) | undefined;
  readonly nextSleep = new Promise<void>((resolve) => (this.wake = resolve));

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const slept = super.sleep(ms, signal);
    this.wake?.();
    return slept;
  }
}
