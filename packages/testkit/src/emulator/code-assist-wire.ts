// The Code Assist wire (google-gemini/gemini-cli `packages/core/src/code_assist/server.ts`): POST
// /v1internal:streamGenerateContent?alt=sse with `{model, project, request}`, SSE events
// `{response: GenerateContentResponse}`, Google error bodies, and the RESOURCE_EXHAUSTED quota shapes.
import type { QuotaAnswer, QuotaState } from './quota-responses.js';
import {
  isRecord,
  positiveInteger,
  sseFrame,
  type ParsedRequest,
  type Reply,
  type StreamFrames,
  type WireFormat,
} from './wire.js';

/** Where the emulator serves Code Assist (the real one: https://cloudcode-pa.googleapis.com/v1internal). */
export const CODE_ASSIST_BASE_PATH = '/v1internal';
const MS_PER_SECOND = 1000;
const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3600;

/** google.rpc.Code names by HTTP status, as Google's error bodies carry them in `status`. */
const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Google's error body: `{error: {code, message, status, details?}}`. */
export function googleErrorBody(status: number, message: string, details?: unknown[]): unknown {
  return {
    error: {
      code: status,
      message,
      status: GOOGLE_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
      ...(details ? { details } : {}),
    },
  };
}

/** `2h13m43s`, the way Code Assist words a reset in its quota message. */
export function formatGoDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / SECONDS_PER_HOUR);
  const m = Math.floor((s % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE);
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s % SECONDS_PER_MINUTE}s`;
}

/**
 * The 429 of a spent window. `429` mode: the per-minute rate limit (RetryInfo only); the other modes:
 * the account's model quota is exhausted, with ErrorInfo's quotaResetDelay / quotaResetTimeStamp and
 * RetryInfo (PROVIDERS.md, Gemini "Limits"; gemini-cli `utils/googleQuotaErrors.ts` reads these).
 */
export function codeAssistQuotaAnswer(state: QuotaState): QuotaAnswer {
  const retryInfo = {
    '@type': 'type.googleapis.com/google.rpc.RetryInfo',
    retryDelay: `${state.seconds}s`,
  };
  if (state.rule.mode === '429') {
    return {
      status: 429,
      headers: {},
      body: googleErrorBody(
        429,
        `Resource has been exhausted (e.g. check quota). Please retry in ${state.seconds}s.`,
        [retryInfo],
      ),
    };
  }
  return {
    status: 429,
    headers: {},
    body: googleErrorBody(
      429,
      `You have exhausted your capacity on this model. Your quota will reset after ${formatGoDuration(state.seconds)}.`,
      [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'QUOTA_EXHAUSTED',
          domain: 'cloudcode-pa.googleapis.com',
          metadata: {
            quotaResetDelay: `${state.seconds}s`,
            quotaResetTimeStamp: new Date(state.resetAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
        },
        retryInfo,
      ],
    ),
  };
}

function parseContents(contents: unknown): ParsedRequest['messages'] | { error: string } {
  if (!Array.isArray(contents) || contents.length === 0)
    return { error: 'request.contents: at least one content is required' };
  const messages: ParsedRequest['messages'] = [];
  for (const [i, content] of (contents as unknown[]).entries()) {
    if (!isRecord(content) || (content.role !== 'user' && content.role !== 'model'))
      return { error: `request.contents[${i}].role: must be user or model` };
    const text = partsText(content.parts);
    if (text === undefined) return { error: `request.contents[${i}].parts: must be text parts` };
    messages.push({ role: content.role === 'model' ? 'assistant' : 'user', content: text });
  }
  return messages;
}

function partsText(parts: unknown): string | undefined {
  if (!Array.isArray(parts)) return undefined;
  let text = '';
  for (const part of parts) {
    if (!isRecord(part) || typeof part.text !== 'string') return undefined;
    text += part.text;
  }
  return text;
}

/** The project a Code Assist body names (checked against the account by the setup state). */
export function requestProject(body: unknown): string | undefined {
  return isRecord(body) && typeof body.project === 'string' ? body.project : undefined;
}

function generateContentResponse(reply: Reply, parts: string[], last: boolean): unknown {
  return {
    response: {
      candidates: [
        {
          content: { role: 'model', parts: parts.map((text) => ({ text })) },
          ...(last ? { finishReason: reply.truncated ? 'MAX_TOKENS' : 'STOP' } : {}),
          index: 0,
        },
      ],
      ...(last
        ? {
            usageMetadata: {
              promptTokenCount: reply.inputTokens,
              candidatesTokenCount: reply.outputTokens,
              totalTokenCount: reply.inputTokens + reply.outputTokens,
            },
          }
        : {}),
      modelVersion: reply.model,
      createTime: new Date(reply.created * MS_PER_SECOND).toISOString(),
      responseId: reply.id,
    },
    traceId: `trace-${reply.id}`,
  };
}

export const codeAssistWire: WireFormat = {
  // Counted, faulted and quota-limited with the OpenAI family; its quota answer is its own
  // (`codeAssistQuotaAnswer`).
  route: 'openai',
  path: `${CODE_ASSIST_BASE_PATH}:streamGenerateContent`,

  parse(body: unknown): ParsedRequest | { error: string } {
    if (!isRecord(body)) return { error: 'the request body must be a JSON object' };
    if (typeof body.model !== 'string' || body.model === '') return { error: 'model: required' };
    if (typeof body.project !== 'string' || body.project === '')
      return { error: 'project: required' };
    if (!isRecord(body.request)) return { error: 'request: required' };
    const request = body.request;
    const messages = parseContents(request.contents);
    if ('error' in messages) return messages;
    const parsed: ParsedRequest = {
      model: body.model,
      messages,
      // This path is the streaming method (`?alt=sse`); generateContent is not emulated.
      stream: true,
      includeUsage: true,
    };
    if (isRecord(request.systemInstruction)) {
      const system = partsText(request.systemInstruction.parts);
      if (system === undefined) return { error: 'request.systemInstruction: must be text parts' };
      parsed.system = system;
    }
    const max = isRecord(request.generationConfig)
      ? request.generationConfig.maxOutputTokens
      : undefined;
    if (max !== undefined) {
      const maxTokens = positiveInteger(max, 'request.generationConfig.maxOutputTokens');
      if (typeof maxTokens !== 'number') return maxTokens;
      parsed.maxTokens = maxTokens;
    }
    return parsed;
  },

  errorBody: (status, message) => googleErrorBody(status, message),

  /** Code Assist sends no rate-limit headers. */
  rateLimitHeaders: () => ({}),

  json: (reply: Reply): unknown => generateContentResponse(reply, [reply.chunks.join('')], true),

  stream(reply: Reply): StreamFrames {
    return {
      prelude: [],
      content: reply.chunks.map((text) => sseFrame(generateContentResponse(reply, [text], false))),
      closing: [],
      // The last event carries the finish reason and the usage, with no new text.
      terminal: [sseFrame(generateContentResponse(reply, [''], true))],
    };
  },
};
