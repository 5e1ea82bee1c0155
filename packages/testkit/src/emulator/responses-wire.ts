// The OpenAI Responses wire as the ChatGPT-plan Codex backend speaks it: POST
// /backend-api/codex/responses, named SSE events (response.created ... response.completed), OpenAI
// error bodies, and the x-codex-* usage headers. The backend insists on `instructions` and on
// `store: false` (openai/codex `codex-rs/core/src/client.rs` always sends both).
import { openaiWire } from './openai-wire.js';
import {
  isRecord,
  positiveInteger,
  sseFrame,
  type ParsedRequest,
  type RateLimitState,
  type Reply,
  type StreamFrames,
  type WireFormat,
} from './wire.js';

/** Where the emulator serves the Codex backend (the real one: https://chatgpt.com/backend-api/codex). */
export const CODEX_BASE_PATH = '/backend-api/codex';
const ROLES: ReadonlySet<string> = new Set(['user', 'assistant', 'system', 'developer']);
const FULL_PERCENT = 100;
/**
 * The backend's answer to a body without `instructions`, a bare FastAPI-style `{"detail": ...}`
 * (fixture codex-400-instructions-required). An empty string is accepted (router-for-me/CLIProxyAPI
 * sends one by default), so only a missing or non-string field is refused.
 */
export const INSTRUCTIONS_REQUIRED = 'Instructions are required';
const MS_PER_SECOND = 1000;

/** Text of an input message: a string or `input_text` / `output_text` parts. */
function inputText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const part of content) {
    if (!isRecord(part) || typeof part.text !== 'string') return undefined;
    if (part.type !== 'input_text' && part.type !== 'output_text') return undefined;
    parts.push(part.text);
  }
  return parts.join('');
}

function parseInput(input: unknown): ParsedRequest['messages'] | { error: string } {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  if (!Array.isArray(input) || input.length === 0)
    return { error: 'input: at least one input item is required' };
  const messages: ParsedRequest['messages'] = [];
  for (const [i, item] of (input as unknown[]).entries()) {
    if (!isRecord(item) || (item.type !== undefined && item.type !== 'message'))
      return { error: `input.${i}: only message items are emulated` };
    if (typeof item.role !== 'string' || !ROLES.has(item.role))
      return { error: `input.${i}.role: must be one of ${[...ROLES].join(', ')}` };
    const text = inputText(item.content);
    if (text === undefined) return { error: `input.${i}.content: must be text` };
    messages.push({ role: item.role, content: text });
  }
  return messages;
}

const status = (reply: Reply): string => (reply.truncated ? 'incomplete' : 'completed');

/** The Response object, as in `response.completed` and in a non-streamed answer. */
function responseObject(reply: Reply, done: boolean): Record<string, unknown> {
  const text = reply.chunks.join('');
  return {
    id: `resp_${reply.id}`,
    object: 'response',
    created_at: reply.created,
    model: reply.model,
    status: done ? status(reply) : 'in_progress',
    incomplete_details: done && reply.truncated ? { reason: 'max_output_tokens' } : null,
    error: null,
    store: false,
    output: done
      ? [
          {
            id: `msg_${reply.id}`,
            type: 'message',
            role: 'assistant',
            status: status(reply),
            content: [{ type: 'output_text', text, annotations: [] }],
          },
        ]
      : [],
    usage: done
      ? {
          input_tokens: reply.inputTokens,
          output_tokens: reply.outputTokens,
          total_tokens: reply.inputTokens + reply.outputTokens,
        }
      : null,
  };
}

export const responsesWire: WireFormat = {
  // Counted, faulted and quota-limited with the OpenAI family: the Codex usage-limit answer
  // (`usage-limit-body`) is already the OpenAI route's.
  route: 'openai',
  path: `${CODEX_BASE_PATH}/responses`,

  parse(body: unknown): ParsedRequest | { error: string } {
    if (!isRecord(body)) return { error: 'the request body must be a JSON object' };
    if (typeof body.model !== 'string' || body.model === '')
      return { error: 'model: field required' };
    if (typeof body.instructions !== 'string') return { error: INSTRUCTIONS_REQUIRED };
    if (body.store !== false) return { error: 'Store must be set to false' };
    if (body.stream !== undefined && typeof body.stream !== 'boolean')
      return { error: 'stream: must be a boolean' };
    const messages = parseInput(body.input);
    if ('error' in messages) return messages;
    const parsed: ParsedRequest = {
      model: body.model,
      messages,
      stream: body.stream === true,
      includeUsage: true,
      ...(body.instructions !== '' ? { system: body.instructions } : {}),
    };
    if (body.max_output_tokens !== undefined && body.max_output_tokens !== null) {
      const max = positiveInteger(body.max_output_tokens, 'max_output_tokens');
      if (typeof max !== 'number') return max;
      parsed.maxTokens = max;
    }
    return parsed;
  },

  errorBody: (status, message, code) =>
    status === 400 && message === INSTRUCTIONS_REQUIRED
      ? { detail: message }
      : openaiWire.errorBody(status, message, code),

  /** The Codex backend reports its primary window on every answer. */
  rateLimitHeaders(state: RateLimitState): Record<string, string> {
    const used =
      state.limit > 0 ? ((state.limit - state.remaining) / state.limit) * FULL_PERCENT : 0;
    return {
      'x-codex-primary-used-percent': String(Math.round(used)),
      'x-codex-primary-reset-after-seconds': String(
        Math.max(0, Math.ceil((state.resetAt - state.now) / MS_PER_SECOND)),
      ),
    };
  },

  json: (reply: Reply): unknown => responseObject(reply, true),

  stream(reply: Reply): StreamFrames {
    let sequence = 0;
    const event = (type: string, fields: Record<string, unknown>): string =>
      sseFrame({ type, sequence_number: sequence++, ...fields }, type);
    const item = { item_id: `msg_${reply.id}`, output_index: 0 };
    const prelude = [
      event('response.created', { response: responseObject(reply, false) }),
      event('response.in_progress', { response: responseObject(reply, false) }),
      event('response.output_item.added', {
        output_index: 0,
        item: {
          id: item.item_id,
          type: 'message',
          role: 'assistant',
          status: 'in_progress',
          content: [],
        },
      }),
      event('response.content_part.added', {
        ...item,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      }),
    ];
    const content = reply.chunks.map((delta) =>
      event('response.output_text.delta', { ...item, content_index: 0, delta }),
    );
    const text = reply.chunks.join('');
    const closing = [
      event('response.output_text.done', { ...item, content_index: 0, text }),
      event('response.content_part.done', {
        ...item,
        content_index: 0,
        part: { type: 'output_text', text, annotations: [] },
      }),
    ];
    const done = responseObject(reply, true);
    const terminal = [
      event(reply.truncated ? 'response.incomplete' : 'response.completed', { response: done }),
    ];
    return { prelude, content, closing, terminal };
  },
};
