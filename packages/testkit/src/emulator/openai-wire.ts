// The OpenAI chat-completions wire format: POST /v1/chat/completions, JSON or SSE `data:` chunks
// ending in `data: [DONE]`, `{error:{message, type, param, code}}` errors and x-ratelimit-* headers.
import {
  isRecord,
  parseCommon,
  positiveInteger,
  sseFrame,
  type ParsedRequest,
  type RateLimitState,
  type Reply,
  type StreamFrames,
  type WireFormat,
} from './wire.js';

const ROLES: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant']);
const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;

/** [type, code] per status, when the caller does not name a code. */
const ERRORS: Record<number, [string, string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  402: ['billing_error', 'insufficient_credits'],
  403: ['permission_error', null],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
  529: ['overloaded_error', null],
};

function errorTypeAndCode(status: number, code: string | undefined): [string, string | null] {
  if (code === 'usage_limit_reached') return ['usage_limit_reached', code];
  const [type, defaultCode] =
    ERRORS[status] ?? (status >= 500 ? ['server_error', null] : ['invalid_request_error', null]);
  return [type, code ?? defaultCode];
}

/** A Go-style duration as OpenAI sends it in x-ratelimit-reset-*: `20ms`, `12s`, `6m0s`, `1h2m3.5s`. */
export function formatOpenAIDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total < MS_PER_SECOND) return `${total}ms`;
  const hours = Math.floor(total / MS_PER_HOUR);
  const minutes = Math.floor((total % MS_PER_HOUR) / MS_PER_MINUTE);
  const seconds = (total % MS_PER_MINUTE) / MS_PER_SECOND;
  return `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${seconds}s`;
}

const finishReason = (reply: Reply): string => (reply.truncated ? 'length' : 'stop');

export const openaiWire: WireFormat = {
  route: 'openai',
  path: '/v1/chat/completions',

  parse(body: unknown): ParsedRequest | { error: string } {
    const common = parseCommon(body, ROLES);
    if ('error' in common) return common;
    const raw = body as Record<string, unknown>;
    const limit = raw.max_completion_tokens ?? raw.max_tokens;
    const parsed: ParsedRequest = {
      ...common,
      includeUsage: isRecord(raw.stream_options) && raw.stream_options.include_usage === true,
    };
    if (limit !== undefined && limit !== null) {
      const maxTokens = positiveInteger(limit, 'max_tokens');
      if (typeof maxTokens !== 'number') return maxTokens;
      parsed.maxTokens = maxTokens;
    }
    return parsed;
  },

  errorBody(status: number, message: string, code?: string): unknown {
    const [type, errorCode] = errorTypeAndCode(status, code);
    return { error: { message, type, param: null, code: errorCode } };
  },

  rateLimitHeaders(state: RateLimitState): Record<string, string> {
    return {
      'x-ratelimit-limit-requests': String(state.limit),
      'x-ratelimit-remaining-requests': String(state.remaining),
      'x-ratelimit-reset-requests': formatOpenAIDuration(state.resetAt - state.now),
    };
  },

  json(reply: Reply): unknown {
    return {
      id: reply.id,
      object: 'chat.completion',
      created: reply.created,
      model: reply.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: reply.chunks.join(''), refusal: null },
          logprobs: null,
          finish_reason: finishReason(reply),
        },
      ],
      usage: usage(reply),
    };
  },

  stream(reply: Reply): StreamFrames {
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
      sseFrame({
        id: reply.id,
        object: 'chat.completion.chunk',
        created: reply.created,
        model: reply.model,
        choices,
        ...extra,
      });
    const choice = (delta: Record<string, unknown>, finish: string | null): unknown => ({
      index: 0,
      delta,
      logprobs: null,
      finish_reason: finish,
    });
    const terminal = [chunk([choice({}, finishReason(reply))])];
    // With include_usage the usage chunk follows the finish chunk, with empty choices.
    if (reply.includeUsage) terminal.push(chunk([], { usage: usage(reply) }));
    terminal.push(sseFrame('[DONE]'));
    return {
      prelude: [chunk([choice({ role: 'assistant', content: '' }, null)])],
      content: reply.chunks.map((text) => chunk([choice({ content: text }, null)])),
      closing: [],
      terminal,
    };
  },
};

function usage(reply: Reply): Record<string, number> {
  return {
    prompt_tokens: reply.inputTokens,
    completion_tokens: reply.outputTokens,
    total_tokens: reply.inputTokens + reply.outputTokens,
  };
}
