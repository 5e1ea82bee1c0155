// The Anthropic Messages client: streams through the official SDK with its retries and timeout off
// (the RetryOrchestrator owns both) and maps the SSE events onto the provider interface.
// The SDK is loaded on first use so that importing @baton/core stays cheap (child processes,
// commands that never call a provider).
import type Anthropic from '@anthropic-ai/sdk';
import { SdkStreamingClient, withoutSdkEnvironment, type SdkClientOptions } from '../sdk-client.js';
import type {
  ProviderChunk,
  ProviderCredential,
  ProviderRequest,
  ProviderUsage,
} from '../types.js';

/** The Messages API requires max_tokens; used when the request does not set one. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;
/**
 * The beta flag an OAuth (bearer) access token needs on the Messages API; without it the API answers
 * 401 "OAuth authentication is currently not supported." (PROVIDERS.md, anthropics/claude-code#5983).
 */
export const ANTHROPIC_OAUTH_BETA = 'oauth-2025-04-20';
/** `baseURL` e.g. `https://api.anthropic.com` (the SDK appends `/v1/messages`); provider defaults to `anthropic`. */
export interface AnthropicMessagesClientOptions extends SdkClientOptions {
  /** Used when a request has no maxTokens. */
  defaultMaxTokens?: number;
}

export class AnthropicMessagesClient extends SdkStreamingClient<AnthropicMessagesClientOptions> {
  constructor(options: AnthropicMessagesClientOptions) {
    super(options, 'anthropic');
  }

  /**
   * One SDK client per request: the credential changes with the bucket, the rest does not. A bearer
   * token also sends the OAuth beta flag (added to any beta flags the options already carry).
   */
  private async sdk(credential: ProviderCredential): Promise<Anthropic> {
    const { default: Sdk } = await import('@anthropic-ai/sdk');
    const transport = this.transportOptions();
    if (credential.token !== undefined) {
      const headers = { ...transport.defaultHeaders };
      const betaKey = Object.keys(headers).find((k) => k.toLowerCase() === 'anthropic-beta');
      const betas = (betaKey === undefined ? '' : headers[betaKey]!)
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b !== '' && b !== ANTHROPIC_OAUTH_BETA);
      if (betaKey !== undefined) delete headers[betaKey];
      headers['anthropic-beta'] = [...betas, ANTHROPIC_OAUTH_BETA].join(',');
      transport.defaultHeaders = headers;
    }
    const auth =
      credential.token !== undefined
        ? { authToken: credential.token, apiKey: null }
        : { apiKey: credential.apiKey, authToken: null };
    return withoutSdkEnvironment('ANTHROPIC_', () => new Sdk({ ...auth, ...transport }));
  }

  protected async *events(
    request: ProviderRequest,
    credential: ProviderCredential,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ProviderChunk> {
    const stream = await (
      await this.sdk(credential)
    ).messages.create(
      toMessagesParams(request, this.options.defaultMaxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS),
      signal ? { signal } : {},
    );
    const usage: ProviderUsage = {};
    let stopReason: string | null = null;
    for await (const event of stream) {
      switch (event.type) {
        case 'message_start':
          readUsage(usage, event.message.usage);
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta') yield { type: 'text', text: event.delta.text };
          break;
        case 'message_delta':
          stopReason = event.delta.stop_reason ?? stopReason;
          readUsage(usage, event.usage);
          break;
        case 'message_stop':
          yield {
            type: 'done',
            stopReason,
            ...(Object.keys(usage).length > 0 ? { usage } : {}),
          };
          return;
        default:
          break;
      }
    }
  }
}

export function toMessagesParams(
  request: ProviderRequest,
  defaultMaxTokens: number,
): Anthropic.MessageCreateParamsStreaming {
  return {
    model: request.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    ...(request.system !== undefined ? { system: request.system } : {}),
    stream: true,
  };
}

/** Copies only the counts the provider actually sent (message_delta's are cumulative). */
function readUsage(
  into: ProviderUsage,
  raw: { input_tokens?: number | null; output_tokens?: number | null } | null | undefined,
): void {
  if (typeof raw?.input_tokens === 'number') into.inputTokens = raw.input_tokens;
  if (typeof raw?.output_tokens === 'number') into.outputTokens = raw.output_tokens;
}
