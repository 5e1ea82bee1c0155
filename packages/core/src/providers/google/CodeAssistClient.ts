// The Code Assist client, the only endpoint that serves Google-account tokens of the Gemini CLI client
// (google-gemini/gemini-cli `packages/core/src/code_assist/server.ts` and `setup.ts`): finds or creates
// the account's project (loadCodeAssist, onboardUser and its long-running operation), then streams
// `:streamGenerateContent?alt=sse`. Plain fetch; failures go through the same guard and classifier.
import { systemClock, throwIfAborted, type Clock } from '../../util/clock.js';
import { CredentialRefusedError, NetworkError } from '../errors.js';
import {
  guardProviderStream,
  type ProviderChunk,
  type ProviderClient,
  type ProviderRequest,
  type ProviderStreamOptions,
  type ProviderUsage,
} from '../types.js';

/** The token field a caller stores the project in (and hands back as `tokenFields`). */
export const CODE_ASSIST_PROJECT_FIELD = 'project_id';
/** gemini-cli `setup.ts` waits this long between polls of the onboarding operation. */
export const ONBOARD_POLL_MS = 5000;
/** Polls before giving up on an onboarding that never finishes (10 minutes at the default pace). */
export const MAX_ONBOARD_POLLS = 120;

export interface CodeAssistClientOptions {
  /** The API root the methods hang off, e.g. `https://cloudcode-pa.googleapis.com/v1internal`. */
  baseURL: string;
  /** The provider name in errors; default `gemini`. */
  provider?: string;
  /** `now` reads reset timestamps; `sleep` paces the onboarding polls. */
  clock?: Clock;
  onboardPollMs?: number;
  /**
   * Told the project found or created for a token that had none, so the caller can store it with the
   * bucket (next time no lookup is needed). Errors it throws fail the request.
   */
  onProject?: (project: string, tokenFields: Record<string, unknown> | undefined) => unknown;
  /**
   * Told when the service refused the project stored with the token as not the account's (403
   * CONSUMER_INVALID, "Permission denied on resource project"), so the caller can drop it: a stored
   * project must not outlive the account's binding, and without it the next attempt looks it up
   * again. The request still fails with the 403. Errors it throws fail the request.
   */
  onProjectRefused?: (project: string, tokenFields: Record<string, unknown> | undefined) => unknown;
}

/** A non-2xx answer, shaped for the classifier: status, headers and the body text. */
export class CodeAssistHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly body: string,
  ) {
    super(googleMessage(body) ?? `Code Assist answered HTTP ${status}`);
    this.name = 'CodeAssistHttpError';
  }
}

/** Client metadata every Code Assist setup call carries (gemini-cli `setup.ts`). */
const CLIENT_METADATA = {
  ideType: 'IDE_UNSPECIFIED',
  platform: 'PLATFORM_UNSPECIFIED',
  pluginType: 'GEMINI',
} as const;

interface Tier {
  id?: string;
  isDefault?: boolean;
}
interface LoadCodeAssistResponse {
  currentTier?: Tier | null;
  allowedTiers?: Tier[];
  cloudaicompanionProject?: string | null;
}
interface Operation {
  name?: string;
  done?: boolean;
  response?: { cloudaicompanionProject?: { id?: string } };
}
interface Part {
  text?: string;
  /** Thought summaries are not part of the answer. */
  thought?: boolean;
}
interface GenerateContentResponse {
  candidates?: Array<{ content?: { parts?: Part[] }; finishReason?: string }>;
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number };
}

export class CodeAssistClient implements ProviderClient {
  readonly provider: string;
  private readonly clock: Clock;
  /** Projects looked up for tokens that carried none, by access token (one lookup per bucket). */
  private readonly projects = new Map<string, Promise<string>>();

  constructor(private readonly options: CodeAssistClientOptions) {
    this.provider = options.provider ?? 'gemini';
    this.clock = options.clock ?? systemClock;
  }

  stream(request: ProviderRequest, options: ProviderStreamOptions): AsyncIterable<ProviderChunk> {
    return guardProviderStream(() => this.events(request, options), {
      provider: this.provider,
      signal: options.signal,
      clock: this.clock,
    });
  }

  /** The project of this credential: stored with the token, else found or created once. */
  async projectFor(options: ProviderStreamOptions): Promise<string> {
    const stored = storedProject(options);
    if (stored !== undefined) return stored;
    const bearer = options.token ?? options.apiKey;
    let pending = this.projects.get(bearer);
    if (pending === undefined) {
      pending = this.setUpProject(options);
      this.projects.set(bearer, pending);
      // A failed lookup is not remembered: the next attempt asks again.
      pending.catch(() => this.projects.delete(bearer));
    }
    const project = await pending;
    await this.options.onProject?.(project, options.tokenFields);
    return project;
  }

  private async *events(
    request: ProviderRequest,
    options: ProviderStreamOptions,
  ): AsyncGenerator<ProviderChunk> {
    const project = await this.projectFor(options);
    let response: Response;
    try {
      response = await this.post(
        ':streamGenerateContent?alt=sse',
        { model: request.model, project, request: toGenerateContentRequest(request) },
        options,
      );
    } catch (error) {
      if (storedProject(options) === project && isProjectRefusal(error))
        await this.options.onProjectRefused?.(project, options.tokenFields);
      throw error;
    }
    let stopReason: string | undefined;
    let usage: ProviderUsage | undefined;
    for await (const data of sseData(response)) {
      const event = JSON.parse(data) as { response?: GenerateContentResponse; error?: unknown };
      // An error inside a 200 stream has Google's error shape; its code is the HTTP status it stands for.
      if (event.error !== undefined) throw streamError(event.error, response.headers);
      const answer = event.response;
      const candidate = answer?.candidates?.[0];
      for (const part of candidate?.content?.parts ?? []) {
        if (typeof part.text === 'string' && part.thought !== true)
          yield { type: 'text', text: part.text };
      }
      if (candidate?.finishReason) stopReason = candidate.finishReason;
      if (answer?.usageMetadata) usage = readUsage(answer.usageMetadata);
    }
    // Usage can follow the finish reason in a later event: `done` waits for the stream's clean end.
    if (stopReason !== undefined) yield { type: 'done', stopReason, ...(usage ? { usage } : {}) };
  }

  /**
   * gemini-cli `setup.ts`: a current tier with a project is the answer; without a current tier the
   * default allowed tier is onboarded (free tier: no project sent, Google manages one) and the
   * operation polled until done. A current tier without a project needs a user-chosen Cloud project,
   * which this credential cannot give: refused, so failover moves on.
   */
  private async setUpProject(options: ProviderStreamOptions): Promise<string> {
    const loaded = (await (
      await this.post(':loadCodeAssist', { metadata: CLIENT_METADATA }, options)
    ).json()) as LoadCodeAssistResponse;
    if (loaded.currentTier) {
      if (loaded.cloudaicompanionProject) return loaded.cloudaicompanionProject;
      throw this.noProject('the account needs a Google Cloud project (GOOGLE_CLOUD_PROJECT)');
    }
    const tier = loaded.allowedTiers?.find((t) => t.isDefault)?.id ?? 'legacy-tier';
    let operation = (await (
      await this.post(':onboardUser', { tierId: tier, metadata: CLIENT_METADATA }, options)
    ).json()) as Operation;
    for (let polls = 0; !operation.done; polls++) {
      if (operation.name === undefined || polls >= MAX_ONBOARD_POLLS)
        throw new NetworkError(`${this.provider}: onboarding did not finish`, {
          provider: this.provider,
        });
      await this.clock.sleep(this.options.onboardPollMs ?? ONBOARD_POLL_MS, options.signal);
      operation = (await (
        await this.request('GET', `/${operation.name}`, undefined, options)
      ).json()) as Operation;
    }
    const id = operation.response?.cloudaicompanionProject?.id;
    if (!id) throw this.noProject('onboarding finished without a project');
    return id;
  }

  private noProject(reason: string): CredentialRefusedError {
    return new CredentialRefusedError(`${this.provider}: Code Assist: ${reason}`, {
      provider: this.provider,
      code: 'NO_CODE_ASSIST_PROJECT',
    });
  }

  private post(method: string, body: unknown, options: ProviderStreamOptions): Promise<Response> {
    return this.request('POST', method, body, options);
  }

  /** One HTTP call; `method` is `:name` for RPCs or `/operations/...` for an operation. */
  private async request(
    verb: 'GET' | 'POST',
    method: string,
    body: unknown,
    options: ProviderStreamOptions,
  ): Promise<Response> {
    throwIfAborted(options.signal);
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token ?? options.apiKey}`,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.options.baseURL}${method}`, {
      method: verb,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!response.ok) {
      throw new CodeAssistHttpError(response.status, response.headers, await response.text());
    }
    return response;
  }
}

/** The project the caller stored with the token, if any. */
function storedProject(options: ProviderStreamOptions): string | undefined {
  const stored = options.tokenFields?.[CODE_ASSIST_PROJECT_FIELD];
  return typeof stored === 'string' && stored !== '' ? stored : undefined;
}

/**
 * A 403 whose ErrorInfo reason is CONSUMER_INVALID: the project named is not one this account may
 * use (the shape of cline/cline issue 4526 and Kilo-Org/kilocode issue 2838, and the emulator's).
 */
function isProjectRefusal(error: unknown): boolean {
  if (!(error instanceof CodeAssistHttpError) || error.status !== 403) return false;
  const details = googleError(error.body)?.details;
  return (
    Array.isArray(details) &&
    details.some(
      (d) =>
        (d as { '@type'?: unknown; reason?: unknown } | null)?.['@type'] ===
          'type.googleapis.com/google.rpc.ErrorInfo' &&
        (d as { reason?: unknown }).reason === 'CONSUMER_INVALID',
    )
  );
}

/** baton's request as a Gemini GenerateContentRequest (the `request` of a Code Assist call). */
export function toGenerateContentRequest(request: ProviderRequest): Record<string, unknown> {
  return {
    contents: request.messages.map((m) => ({
      role: m.role === 'assistant' ? 'model' : 'user',
      parts: [{ text: m.content }],
    })),
    ...(request.system !== undefined
      ? { systemInstruction: { role: 'user', parts: [{ text: request.system }] } }
      : {}),
    ...(request.maxTokens !== undefined
      ? { generationConfig: { maxOutputTokens: request.maxTokens } }
      : {}),
  };
}

/** The `data:` payloads of an SSE body, one per event (multi-line data joined with newlines). */
async function* sseData(response: Response): AsyncGenerator<string> {
  if (response.body === null) return;
  const decoder = new TextDecoder();
  let buffer = '';
  let lines: string[] = [];
  const flush = function* (line: string): Generator<string> {
    if (line.startsWith('data:')) lines.push(line.slice(5).replace(/^ /, ''));
    else if (line === '' && lines.length > 0) {
      yield lines.join('\n');
      lines = [];
    }
  };
  // The DOM typing of ReadableStream iteration is loose; Node yields Uint8Array chunks.
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
      yield* flush(line);
    }
  }
  yield* flush(buffer.replace(/\r$/, ''));
  yield* flush('');
}

function streamError(error: unknown, headers: Headers): CodeAssistHttpError {
  const code = (error as { code?: unknown } | null)?.code;
  const status = typeof code === 'number' && Number.isInteger(code) ? code : 500;
  return new CodeAssistHttpError(status, headers, JSON.stringify({ error }));
}

/** The `error` object of a Google error body (also inside the array some endpoints wrap it in). */
function googleError(body: string): { message?: unknown; details?: unknown } | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const root: unknown = Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed;
    const error = (root as { error?: unknown } | null)?.error;
    return typeof error === 'object' && error !== null ? error : undefined;
  } catch {
    return undefined;
  }
}

/** `error.message` of a Google error body. */
function googleMessage(body: string): string | undefined {
  const message = googleError(body)?.message;
  return typeof message === 'string' ? message : undefined;
}

function readUsage(raw: {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
}): ProviderUsage {
  const usage: ProviderUsage = {};
  if (typeof raw.promptTokenCount === 'number') usage.inputTokens = raw.promptTokenCount;
  if (typeof raw.candidatesTokenCount === 'number') usage.outputTokens = raw.candidatesTokenCount;
  return usage;
}
