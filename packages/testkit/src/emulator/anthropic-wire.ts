// The Anthropic Messages wire format: POST /v1/messages, JSON or SSE (message_start ...
// message_stop), `{type:'error', error:{type, message}}` errors and anthropic-ratelimit-* headers.
import {
  contentText,
  parseCommon,
  positiveInteger,
  sseFrame,
  type ParsedRequest,
  type RateLimitState,
  type Reply,
  type StreamFrames,
  type WireFormat,
} from './wire.js';

const ROLES: ReadonlySet<string> = new Set(['user', 'assistant']);

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

const stopReason = (reply: Reply): string => (reply.truncated ? 'max_tokens' : 'end_turn');

export const anthropicWire: WireFormat = {
  route: 'anthropic',
  path: '/v1/messages',

  parse(body: unknown): ParsedRequest | { error: string } {
    const common = parseCommon(body, ROLES);
    if ('error' in common) return common;
    const raw = body as Record<string, unknown>;
    const maxTokens = positiveInteger(raw.max_tokens, 'max_tokens');
    if (typeof maxTokens !== 'number') return maxTokens;
    const parsed: ParsedRequest = { ...common, maxTokens, includeUsage: true };
    if (raw.system !== undefined) {
      const system = contentText(raw.system);
      if (system === undefined) return { error: 'system: must be text' };
      parsed.system = system;
    }
    return parsed;
  },

  errorBody(status: number, message: string): unknown {
    return { type: 'error', error: { type: errorType(status), message } };
  },

  rateLimitHeaders(state: RateLimitState): Record<string, string> {
    return {
      'anthropic-ratelimit-requests-limit': String(state.limit),
      'anthropic-ratelimit-requests-remaining': String(state.remaining),
      'anthropic-ratelimit-requests-reset': new Date(state.resetAt).toISOString(),
    };
  },

  json(reply: Reply): unknown {
    return {
      id: reply.id,
      type: 'message',
      role: 'assistant',
      model: reply.model,
      content: [{ type: 'text', text: reply.chunks.join('') }],
      stop_reason: stopReason(reply),
      stop_sequence: null,
      usage: { input_tokens: reply.inputTokens, output_tokens: reply.outputTokens },
    };
  },

  stream(reply: Reply): StreamFrames {
    const event = (type: string, data: Record<string, unknown>): string =>
      sseFrame({ type, ...data }, type);
    return {
      prelude: [
        event('message_start', {
          message: {
            id: reply.id,
            type: 'message',
            role: 'assistant',
            model: reply.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: reply.inputTokens, output_tokens: 1 },
          },
        }),
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        event('ping', {}),
      ],
      content: reply.chunks.map((text) =>
        event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
      ),
      closing: [event('content_block_stop', { index: 0 })],
      terminal: [
        event('message_delta', {
          delta: { stop_reason: stopReason(reply), stop_sequence: null },
          usage: { output_tokens: reply.outputTokens },
        }),
        event('message_stop', {}),
      ],
    };
  },
};
