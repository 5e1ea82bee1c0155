// A stream that delivered its terminal event is a whole answer even if the connection then drops:
// a real Anthropic SDK over real HTTP from a server that destroys the socket right after
// `message_stop`, through the whole resilient client. The control drops before it and is retried.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicMessagesClient } from '@baton/core';
import { ask, startWorld, type World } from './world.js';

let world: World | undefined;
let server: Server | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const event = (name: string, data: object): string =>
  `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

const BEFORE_STOP = [
  event('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'test-model',
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 0 },
    },
  }),
  event('content_block_start', {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '' },
  }),
  event('content_block_delta', {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text: 'the whole answer' },
  }),
  event('content_block_stop', { type: 'content_block_stop', index: 0 }),
  event('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: 3 },
  }),
];
const STOP = event('message_stop', { type: 'message_stop' });

/**
 * Answers every request with a chunked SSE stream and then destroys the socket without ending the
 * response: after `message_stop` on the first `completeFirst` requests, before it on the others.
 */
async function droppingServer(
  completeFirst: number,
): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  server = createServer((req, res: ServerResponse) => {
    requests++;
    const complete = requests <= completeFirst;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write([...BEFORE_STOP, ...(complete ? [STOP] : [])].join(''), () => {
      // Written to the kernel; now the connection drops with the chunked body unfinished.
      setTimeout(() => res.socket?.destroy(), 20);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: () => requests };
}

describe('a stream that has delivered its terminal event', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P07
   * @requirement REQ-1598-RO18
   */
  it('is complete even when the connection drops afterwards; dropped before it, it is not', async () => {
    world = await startWorld();
    await world.loginBucket('a');

    const whole = await droppingServer(Number.POSITIVE_INFINITY);
    const client = world.client(['a'], {
      client: new AnthropicMessagesClient({ baseURL: whole.url, provider: 'local' }),
    });
    await expect(ask(client, 'hello')).resolves.toBe('the whole answer');
    expect(whole.requests()).toBe(1);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;

    // Control: the same drop one event earlier is an interruption after output, never an answer.
    const cut = await droppingServer(0);
    const control = world.client(['a'], {
      client: new AnthropicMessagesClient({ baseURL: cut.url, provider: 'local' }),
    });
    const error = await ask(control, 'hello').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('StreamInterruptedError');
    expect(cut.requests()).toBe(1);
  });
});
