// The emulated Codex backend and `instructions`, over HTTP: a body without the field gets the
// backend's own refusal, an empty string is served, and baton's Responses client is served without
// a system prompt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIResponsesClient } from '@baton/core';
import { startProviderEmulator } from './index.js';
import type { ProviderEmulatorHandle } from './types.js';
import { loadProviderFixtures } from '../fixtures/provider-fixtures.js';
import { CODEX_BASE_PATH, INSTRUCTIONS_REQUIRED } from './responses-wire.js';

const KEY = 'codex-wire-credential-0123456789';
const ACCOUNT = 'account-codex';

let emulator: ProviderEmulatorHandle;
beforeAll(async () => {
  emulator = await startProviderEmulator({ staticKeys: { [KEY]: ACCOUNT } });
});
afterAll(() => emulator.close());

const post = (body: Record<string, unknown>): Promise<Response> =>
  fetch(`${emulator.url}${CODEX_BASE_PATH}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const BODY = {
  model: 'gpt-5-codex',
  input: [{ type: 'message', role: 'user', content: 'hi there' }],
  store: false,
  stream: false,
};

describe('the emulated Codex backend and instructions', () => {
  it('refuses a body without instructions exactly as the corpus fixture records it', async () => {
    const [fixture] = loadProviderFixtures().filter(
      (f) => f.id === 'codex-400-instructions-required',
    );
    for (const instructions of [undefined, null, 7]) {
      const res = await post({ ...BODY, instructions });
      expect(res.status).toBe(fixture!.response.status);
      expect(await res.json()).toEqual(fixture!.response.body);
    }
    expect(fixture!.response.body).toEqual({ detail: INSTRUCTIONS_REQUIRED });
  });

  it('serves an empty string as instructions', async () => {
    const res = await post({ ...BODY, instructions: '' });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { output: Array<{ content: Array<{ text: string }> }> };
    expect(answer.output[0]?.content[0]?.text).toBe('hi there');
  });

  it('serves baton’s Responses client when the request has no system prompt', async () => {
    const client = new OpenAIResponsesClient({
      baseURL: `${emulator.url}${CODEX_BASE_PATH}`,
      provider: 'codex',
      sendMaxTokens: false,
    });
    let text = '';
    for await (const chunk of client.stream(
      { model: 'gpt-5-codex', messages: [{ role: 'user', content: 'no system prompt' }] },
      { token: KEY },
    ))
      if (chunk.type === 'text') text += chunk.text;
    expect(text).toBe('no system prompt');
    const seen = emulator.requests.at(-1);
    expect(seen?.status).toBe(200);
    expect((seen?.body as { instructions?: unknown }).instructions).toBe('');
  });
});
