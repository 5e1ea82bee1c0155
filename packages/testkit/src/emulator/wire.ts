// What the two wire formats share: the parsed request, the reply to render, and the interface each
// format (Anthropic Messages, OpenAI chat completions) implements for bodies, SSE and headers.
import type { EmulatorRoute } from './types.js';

export interface ParsedRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  system?: string;
  stream: boolean;
  maxTokens?: number;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
}

export interface Reply {
  id: string;
  model: string;
  chunks: string[];
  /** True when max_tokens cut the reply short. */
  truncated: boolean;
  inputTokens: number;
  outputTokens: number;
  /** OpenAI: send the usage chunk after the finish chunk. */
  includeUsage: boolean;
  /** Epoch seconds. */
  created: number;
}

/** A streamed reply as SSE frames, split where faults cut in. */
export interface StreamFrames {
  prelude: string[];
  /** One frame per text delta. */
  content: string[];
  /** Frames after the content that are not the terminal event (e.g. content_block_stop). */
  closing: string[];
  /** The frames whose absence makes the stream incomplete. */
  terminal: string[];
}

export interface RateLimitState {
  limit: number;
  remaining: number;
  resetAt: number;
  now: number;
}

export interface WireFormat {
  route: EmulatorRoute;
  path: string;
  parse(body: unknown): ParsedRequest | { error: string };
  /** The provider's error body; `code` refines it (`rate_limit_exceeded`, `usage_limit_reached`, ...). */
  errorBody(status: number, message: string, code?: string): unknown;
  rateLimitHeaders(state: RateLimitState): Record<string, string>;
  json(reply: Reply): unknown;
  stream(reply: Reply): StreamFrames;
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Text of a string content or of an array of `{type:'text', text}` blocks/parts. */
export function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const block of content) {
    if (!isRecord(block)) return undefined;
    if (block.type === 'text' && typeof block.text === 'string') parts.push(block.text);
  }
  return parts.join('');
}

/** Common checks of both formats; the caller adds its own (max_tokens, roles, system). */
export function parseCommon(
  body: unknown,
  allowedRoles: ReadonlySet<string>,
): { error: string } | { model: string; messages: ParsedRequest['messages']; stream: boolean } {
  if (!isRecord(body)) return { error: 'the request body must be a JSON object' };
  if (typeof body.model !== 'string' || body.model === '')
    return { error: 'model: field required' };
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return { error: 'messages: at least one message is required' };
  if (body.stream !== undefined && typeof body.stream !== 'boolean')
    return { error: 'stream: must be a boolean' };
  const messages: ParsedRequest['messages'] = [];
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    if (!isRecord(m) || typeof m.role !== 'string' || !allowedRoles.has(m.role))
      return { error: `messages.${i}.role: must be one of ${[...allowedRoles].join(', ')}` };
    const text = contentText(m.content);
    if (text === undefined) return { error: `messages.${i}.content: must be text` };
    messages.push({ role: m.role, content: text });
  }
  return { model: body.model, messages, stream: body.stream === true };
}

/** A positive integer field, or an error message naming it. */
export function positiveInteger(value: unknown, field: string): number | { error: string } {
  return typeof value === 'number' && Number.isInteger(value) && value > 0
    ? value
    : { error: `${field}: must be a positive integer` };
}

export const sseFrame = (data: unknown, event?: string): string =>
  `${event !== undefined ? `event: ${event}\n` : ''}data: ${
    typeof data === 'string' ? data : JSON.stringify(data)
  }\n\n`;
