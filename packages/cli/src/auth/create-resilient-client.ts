// The one factory the CLI, the demo and the benchmarks use to talk to a provider: the provider
// client, wrapped in the RetryOrchestrator, failing over through the BucketFailoverHandlerImpl,
// with credentials from the OAuthManager (refreshed on a 401/403, cooldowns cleared on success).
import {
  AnthropicMessagesClient,
  AuthenticationError,
  CODE_ASSIST_PROJECT_FIELD,
  CodeAssistClient,
  isTokenStoreError,
  OpenAIResponsesClient,
  NetworkError,
  OpenAIChatClient,
  RetryOrchestrator,
  systemClock,
  systemRandom,
  type AttemptContext,
  type Clock,
  type CodeAssistClientOptions,
  type FailoverEvent,
  type OAuthToken,
  type ProviderChunk,
  type ProviderClient,
  type ProviderRequest,
  type RandomSource,
  type RetryEvent,
  type RetryOptions,
  type WaitEvent,
} from '@baton/core';
import {
  BucketFailoverHandlerImpl,
  type FailoverSwitchEvent,
} from './BucketFailoverHandlerImpl.js';
import { requestCredential } from './credential.js';
import { CODEX_ORIGINATOR } from './flows/presets/codex.js';
import { providerFields } from './token-fields.js';
import type { ProviderConfig } from './flows/provider-config.js';
import {
  RefreshTokenRevokedError,
  TokenEndpointBlockedError,
  TransientRefreshError,
} from './flows/errors.js';
import { NoCredentialError, type OAuthManager } from './oauth-manager.js';
import { LockTimeoutError } from './storage/file-lock.js';
import type { CooldownLedger } from './storage/cooldown-ledger.js';

/** What the factory needs of a profile. */
export interface ResilientProfile {
  name: string;
  provider: string;
  model: string;
  buckets: readonly string[];
  /** Overrides the provider's API base. */
  baseUrl?: string;
}

export interface ResilientClientDeps {
  manager: OAuthManager;
  ledger: CooldownLedger;
  providerConfig: ProviderConfig;
  /** A person can complete a foreground login (pass 3). */
  interactive: boolean;
  clock?: Clock;
  random?: RandomSource;
  retry?: Partial<RetryOptions>;
  /** Replaces the wire client built from the provider config (benchmarks, tests of odd wires). */
  client?: ProviderClient;
  onWait?: (event: WaitEvent) => void;
  onRetry?: (event: RetryEvent) => void;
  onFailover?: (event: FailoverEvent) => void;
  onSwitch?: (event: FailoverSwitchEvent) => void;
  log?: (line: string) => void;
}

export type ResilientRequest = Omit<ProviderRequest, 'model'> & { model?: string };

export interface ResilientClient {
  readonly provider: string;
  readonly handler: BucketFailoverHandlerImpl;
  readonly orchestrator: RetryOrchestrator;
  /** Streams one request through retries and failover; the first chunk is never repeated. */
  stream(
    request: ResilientRequest,
    options?: { signal?: AbortSignal },
  ): AsyncIterable<ProviderChunk>;
  /** Start of a user turn: back to the first bucket the ledger does not mark as out. */
  newTurn(): Promise<void>;
  /** The bucket the next request goes to. */
  currentBucket(): string;
}

/** What the wire client tells its owner about a credential, to be kept with the bucket. */
export interface ProviderClientHooks {
  /** The Code Assist project found for a token that carried none. */
  onProject?: CodeAssistClientOptions['onProject'];
  /** The Code Assist project stored with a token, refused as not the account's. */
  onProjectRefused?: CodeAssistClientOptions['onProjectRefused'];
}

/** The wire client for a provider config (Anthropic Messages or OpenAI-compatible chat). */
export function providerClientFor(
  config: ProviderConfig,
  baseUrl: string | undefined,
  clock: Clock,
  hooks: ProviderClientHooks = {},
): ProviderClient {
  const options = { baseURL: baseUrl ?? config.baseUrl, provider: config.name, clock };
  // Codex: `originator` as the Codex CLI sends it, and no `max_output_tokens` (the Codex CLI sends none
  // to that backend). Code Assist finds the account's project itself when the token carries none.
  if (config.api === 'openai-responses')
    return new OpenAIResponsesClient({
      ...options,
      originator: CODEX_ORIGINATOR,
      sendMaxTokens: false,
    });
  if (config.api === 'code-assist')
    return new CodeAssistClient({
      ...options,
      ...(hooks.onProject ? { onProject: hooks.onProject } : {}),
      ...(hooks.onProjectRefused ? { onProjectRefused: hooks.onProjectRefused } : {}),
    });
  return config.api === 'anthropic'
    ? new AnthropicMessagesClient(options)
    : new OpenAIChatClient(options);
}

/**
 * @plan PLAN-20260223-ISSUE1598.P17
 * @requirement REQ-1598-RO14, REQ-1598-PR08
 */
export function createResilientClient(
  profile: ResilientProfile,
  deps: ResilientClientDeps,
): ResilientClient {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? systemRandom;
  const { manager, ledger } = deps;
  const provider = profile.provider;
  /**
   * The bucket and token of each attempt, by the `tokenFields` object handed to the wire client: the
   * client gives that object back with a project it found, and the project goes to that bucket only.
   */
  const attempts = new WeakMap<object, { bucket: string; token: OAuthToken }>();
  const projectHook =
    (change: 'rememberTokenField' | 'forgetTokenField') =>
    async (project: string, tokenFields: Record<string, unknown> | undefined): Promise<void> => {
      const attempt = tokenFields && attempts.get(tokenFields);
      if (attempt)
        await manager[change](
          provider,
          attempt.bucket,
          attempt.token,
          CODE_ASSIST_PROJECT_FIELD,
          project,
        );
    };
  const client =
    deps.client ??
    providerClientFor(deps.providerConfig, profile.baseUrl, clock, {
      // Stored with the bucket (the manager writes it): later processes skip loadCodeAssist. A
      // stored project the service refuses is dropped, so the retry after the 403 looks it up again.
      onProject: projectHook('rememberTokenField'),
      onProjectRefused: projectHook('forgetTokenField'),
    });
  // Renewal timers of this provider's buckets the profile no longer lists are not kept (BEHAVIOR §4).
  manager.renewal?.retainOnly(provider, profile.buckets);
  const handler = new BucketFailoverHandlerImpl({
    manager,
    ledger,
    provider,
    profile: { name: profile.name, buckets: profile.buckets },
    clock,
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.onSwitch ? { onSwitch: deps.onSwitch } : {}),
  });
  const orchestrator = new RetryOrchestrator({
    handler,
    provider,
    clock,
    random,
    interactive: deps.interactive,
    ...(deps.retry ? { options: deps.retry } : {}),
    ...(deps.onWait ? { onWait: deps.onWait } : {}),
    ...(deps.onRetry ? { onRetry: deps.onRetry } : {}),
    ...(deps.onFailover ? { onFailover: deps.onFailover } : {}),
    onAuthError: async ({ bucket, accessToken, signal }) => {
      if (bucket === undefined) throw new Error('no bucket to refresh');
      await manager.forceRefresh(provider, bucket, accessToken, { signal });
    },
  });

  /**
   * The bucket's credential, its lookup failures typed for the retry table: a dead grant is an auth
   * failure of this bucket (failover decides), a token endpoint that cannot be reached or another
   * process holding the lock is a passing network failure; a store outage stays what it is.
   */
  async function credentialFor(bucket: string, signal: AbortSignal): Promise<OAuthToken | null> {
    try {
      return await manager.getOAuthToken(provider, bucket, { signal });
    } catch (error) {
      // A dead grant, no credential, or a corrupt entry (which a login may replace) is this
      // bucket's problem: failover classifies it. A store outage is not, and stays what it is.
      const corrupt = isTokenStoreError(error) && error.reauthEligible;
      if (
        error instanceof RefreshTokenRevokedError ||
        error instanceof NoCredentialError ||
        corrupt
      ) {
        throw new AuthenticationError(error.message, { provider, cause: error });
      }
      if (
        error instanceof TransientRefreshError ||
        error instanceof TokenEndpointBlockedError ||
        error instanceof LockTimeoutError
      ) {
        throw new NetworkError(error.message, { provider, cause: error });
      }
      throw error;
    }
  }

  async function* attempt(
    request: ProviderRequest,
    context: AttemptContext,
  ): AsyncGenerator<ProviderChunk> {
    const bucket = context.bucket ?? handler.getCurrentBucket();
    const token = await credentialFor(bucket, context.signal);
    if (token === null) {
      // Typed as an auth failure without a status: the handler then finds "no-token" for it.
      throw new AuthenticationError(`no credential is stored for ${provider}/${bucket}`, {
        provider,
      });
    }
    context.reportCredential(token.access_token);
    const tokenFields = providerFields(token);
    attempts.set(tokenFields, { bucket, token });
    yield* client.stream(request, {
      ...requestCredential(token),
      signal: context.signal,
      tokenFields,
    });
  }

  return {
    provider,
    handler,
    orchestrator,
    stream(request, options = {}) {
      const full: ProviderRequest = { ...request, model: request.model ?? profile.model };
      return orchestrator.stream((context) => attempt(full, context), {
        ...(options.signal ? { signal: options.signal } : {}),
        textOf: (chunk) => (chunk.type === 'text' ? chunk.text : ''),
      });
    },
    async newTurn() {
      await handler.refreshLedger();
      handler.reset();
    },
    currentBucket: () => handler.getCurrentBucket(),
  };
}
