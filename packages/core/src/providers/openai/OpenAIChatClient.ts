// The OpenAI-compatible chat-completions client: streams through the official SDK with its retries
// and timeout off (the RetryOrchestrator owns both) and maps the chunks onto the provider interface.
// The SDK is loaded on first use so that importing @baton/core stays cheap (child processes,
// commands that never call a provider).
import type OpenAI from 'openai';
import {
  SdkStreamingClient,
  withoutSdkEnvironment,
  type SdkClientOptions,
  type SdkTransportOptions,
} from '../sdk-client.js';
import type {
  ProviderChunk,
  ProviderCredential,
  ProviderRequest,
  ProviderUsage,
} from '../types.js';

/** `baseURL` e.g. `https://api.openai.com/v1` (the SDK appends `/chat/completions`); provider defaults to `openai`. */
export interface OpenAIChatClientOptions extends SdkClientOptions {
  /**
   * Ask for the final usage chunk (`stream_options.include_usage`); some compatible servers reject
   * the field, so it can be turned off. Default true.
   */
  includeUsage?: boolean;
}

export class OpenAIChatClient extends SdkStreamingClient<OpenAIChatClientOptions> {
  constructor(options: OpenAIChatClientOptions) {
    super(options, 'openai');
  }

  /**
   * One SDK client per request: the credential changes with the bucket. Both an OAuth access token
   * and an API key travel as `Authorization: Bearer`. The organisation/project/admin variables of
   * the environment are not read: they would add headers a compatible server does not expect.
   */
  private sdk(credential: ProviderCredential): Promise<OpenAI> {
    return openAISdk(credential, this.transportOptions());
  }

  protected async *events(
    request: ProviderRequest,
    credential: ProviderCredential,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ProviderChunk> {
    const stream = await (
      await this.sdk(credential)
    ).chat.completions.create(
      toChatParams(request, this.options.includeUsage ?? true),
      signal ? { signal } : {},
    );
    let stopReason: string | undefined;
    let usage: ProviderUsage | undefined;
    try {
      for await (const chunk of stream) {
        for (const choice of chunk.choices) {
          if (choice.index !== 0) continue;
          const text = choice.delta?.content;
          if (typeof text === 'string' && text !== '') yield { type: 'text', text };
          if (choice.finish_reason) stopReason = choice.finish_reason;
        }
        if (chunk.usage) usage = readUsage(chunk.usage);
      }
    } catch (error) {
      // The answer is complete once its finish_reason arrived: a connection that drops before the
      // usage chunk or `[DONE]` loses nothing the caller needs. Aborts are still the caller's.
      if (stopReason === undefined || signal?.aborted) throw error;
    }
    // The SDK swallows `data: [DONE]`; a finish_reason is the terminal event it lets us see. The usage
    // chunk comes after it, so `done` is sent once the stream has ended cleanly.
    if (stopReason !== undefined) yield { type: 'done', stopReason, ...(usage ? { usage } : {}) };
  }
}

export function toChatParams(
  request: ProviderRequest,
  includeUsage: boolean,
): OpenAI.Chat.ChatCompletionCreateParamsStreaming {
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [];
  if (request.system !== undefined) messages.push({ role: 'system', content: request.system });
  for (const m of request.messages) messages.push({ role: m.role, content: m.content });
  return {
    model: request.model,
    messages,
    stream: true,
    ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
    ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
  };
}

function readUsage(raw: { prompt_tokens?: number; completion_tokens?: number }): ProviderUsage {
  const usage: ProviderUsage = {};
  if (typeof raw.prompt_tokens === 'number') usage.inputTokens = raw.prompt_tokens;
  if (typeof raw.completion_tokens === 'number') usage.outputTokens = raw.completion_tokens;
  return usage;
}

/**
 * An `openai` SDK client for one request, built without the SDK's environment variables (their
 * organisation/project/admin headers would reach servers that do not expect them). The SDK module
 * is loaded on first use. Shared by the chat-completions and Responses clients.
 */
export async function openAISdk(
  credential: ProviderCredential,
  transport: SdkTransportOptions,
): Promise<OpenAI> {
  const { default: Sdk } = await import('openai');
  return withoutSdkEnvironment(
    'OPENAI_',
    () =>
      new Sdk({
        apiKey: credential.token ?? credential.apiKey,
        adminAPIKey: null,
        organization: null,
        project: null,
        webhookSecret: null,
        ...transport,
      }),
  );
}
