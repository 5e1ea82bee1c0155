// The OpenAI Responses client (api.openai.com `/responses` and the ChatGPT-plan Codex backend):
// streams through the official SDK with its retries and timeout off and maps the Responses events
// onto the provider interface. The SDK is loaded on first use, as in OpenAIChatClient.
import type OpenAI from 'openai';
import { errorBodyFetch, SdkStreamingClient, type SdkClientOptions } from '../sdk-client.js';
import { openAISdk } from './OpenAIChatClient.js';
import type {
  ProviderChunk,
  ProviderCredential,
  ProviderRequest,
  ProviderStreamOptions,
  ProviderUsage,
} from '../types.js';

/**
 * `baseURL` e.g. `https://api.openai.com/v1` or, for ChatGPT-plan tokens,
 * `https://chatgpt.com/backend-api/codex` (the SDK appends `/responses`).
 */
export interface OpenAIResponsesClientOptions extends SdkClientOptions {
  /**
   * The `originator` header the Codex backend expects of its clients (openai/codex
   * `codex-rs/login/src/auth/default_client.rs`: `codex_cli_rs`). Sent only when set.
   */
  originator?: string;
  /**
   * Send `max_output_tokens` when the request has a bound. Default true; off for the Codex backend,
   * to which the Codex CLI never sends it (`codex-rs/core/src/client.rs`).
   */
  sendMaxTokens?: boolean;
}

/**
 * The id_token claim that carries the ChatGPT account (openai/codex `codex-rs/login/src/token_data.rs`:
 * `https://api.openai.com/auth` → `chatgpt_account_id`).
 */
export const CODEX_AUTH_CLAIM = 'https://api.openai.com/auth';

/**
 * The ChatGPT account id of a stored Codex token: its `account_id` field (stored at login), else the
 * claim inside its `id_token`. Undefined for any other token.
 */
export function codexAccountId(fields: Record<string, unknown> | undefined): string | undefined {
  if (fields === undefined) return undefined;
  const stored = fields.account_id;
  if (typeof stored === 'string' && stored !== '') return stored;
  const idToken = fields.id_token;
  return typeof idToken === 'string' ? accountIdFromIdToken(idToken) : undefined;
}

/** Reads (never verifies: the token came from our own token endpoint call) the JWT payload's claim. */
export function accountIdFromIdToken(idToken: string): string | undefined {
  const payload = idToken.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const auth = (claims as Record<string, unknown> | null)?.[CODEX_AUTH_CLAIM];
    const id = (auth as Record<string, unknown> | null | undefined)?.chatgpt_account_id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * fetch for the Responses SDK: the Codex backend refuses a malformed body with a bare
 * `{"detail":"..."}` (openai/codex issues 2259 and 3224, vybestack/llxprt-code issue 1197), which the
 * SDK, reading only `error`, would report as "400 status code (no body)". Such a body is handed on
 * as `{"error":{"message":...}}`, so the error keeps the backend's words; the status is unchanged.
 */
export const responsesFetch: typeof fetch = errorBodyFetch((parsed) => {
  const body = parsed as { detail?: unknown; error?: unknown } | null;
  return body?.error === undefined && typeof body?.detail === 'string'
    ? { error: { message: body.detail } }
    : undefined;
});

/** An `error` or `response.failed` event: status-less, typed by its code like the SDK's stream errors. */
class ResponsesEventError extends Error {
  readonly error: { code: string | null; message: string };
  readonly code: string | undefined;
  constructor(code: string | null | undefined, message: string) {
    super(message);
    this.name = 'ResponsesEventError';
    this.error = { code: code ?? null, message };
    this.code = code ?? undefined;
  }
}

export class OpenAIResponsesClient extends SdkStreamingClient<OpenAIResponsesClientOptions> {
  constructor(options: OpenAIResponsesClientOptions) {
    super(options, 'openai');
  }

  /** One SDK client per request (the credential and the account header change with the bucket). */
  private sdk(credential: ProviderStreamOptions): Promise<OpenAI> {
    const transport = this.transportOptions();
    const headers: Record<string, string> = { ...transport.defaultHeaders };
    if (this.options.originator !== undefined) headers.originator = this.options.originator;
    // openai/codex `codex-rs/core/src/client.rs`: ChatGPT-plan requests name the account.
    const account = codexAccountId(credential.tokenFields);
    if (account !== undefined) headers['chatgpt-account-id'] = account;
    return openAISdk(credential, { ...transport, fetch: responsesFetch, defaultHeaders: headers });
  }

  protected async *events(
    request: ProviderRequest,
    credential: ProviderCredential,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ProviderChunk> {
    // stream() hands the whole options object on as the credential; tokenFields rides along.
    const sdk = await this.sdk(credential);
    const stream = await sdk.responses.create(
      toResponsesParams(request, this.options.sendMaxTokens ?? true),
      signal ? { signal } : {},
    );
    for await (const event of stream) {
      switch (event.type) {
        case 'response.output_text.delta':
          yield { type: 'text', text: event.delta };
          break;
        case 'response.completed':
        case 'response.incomplete': {
          const usage = event.response.usage ? readUsage(event.response.usage) : undefined;
          const stopReason =
            event.type === 'response.completed'
              ? 'completed'
              : (event.response.incomplete_details?.reason ?? 'incomplete');
          yield { type: 'done', stopReason, ...(usage ? { usage } : {}) };
          return;
        }
        case 'response.failed': {
          const error = event.response.error;
          throw new ResponsesEventError(error?.code, error?.message ?? 'the response failed');
        }
        case 'error':
          throw new ResponsesEventError(event.code, event.message);
        default:
          break;
      }
    }
  }
}

/**
 * `instructions` when the caller gave no system prompt: present but empty. The Codex backend refuses
 * a body without the field, HTTP 400 `{"detail":"Instructions are required"}` (vybestack/llxprt-code
 * issue 1197, diegosouzapw/OmniRoute PRs 746 and 1709, router-for-me/CLIProxyAPI PR 2422), and takes
 * an empty string: CLIProxyAPI sends `""` by default on its translated requests
 * (`internal/translator/codex/openai/chat-completions/codex_openai_request.go`, and
 * `normalizeCodexInstructions` for a missing or null field), its PR 2422 checked that the 400 stops
 * once `""` is sent, and its issue 1055 reports third-party clients working with that default.
 */
export const NO_INSTRUCTIONS = '';

/**
 * The Responses body: `instructions` carries the system prompt and is always sent (see
 * NO_INSTRUCTIONS), `store: false` keeps nothing server-side (the Codex backend requires that too),
 * prior turns become input messages.
 */
export function toResponsesParams(
  request: ProviderRequest,
  sendMaxTokens: boolean,
): OpenAI.Responses.ResponseCreateParamsStreaming {
  const input: OpenAI.Responses.ResponseInputItem[] = request.messages.map((m) => ({
    type: 'message',
    role: m.role,
    content: m.content,
  }));
  return {
    model: request.model,
    instructions: request.system ?? NO_INSTRUCTIONS,
    input,
    store: false,
    stream: true,
    ...(sendMaxTokens && request.maxTokens !== undefined
      ? { max_output_tokens: request.maxTokens }
      : {}),
  };
}

function readUsage(raw: { input_tokens?: number; output_tokens?: number }): ProviderUsage {
  const usage: ProviderUsage = {};
  if (typeof raw.input_tokens === 'number') usage.inputTokens = raw.input_tokens;
  if (typeof raw.output_tokens === 'number') usage.outputTokens = raw.output_tokens;
  return usage;
}
