// The provider emulator: a real HTTP server on loopback speaking the Anthropic Messages and OpenAI
// chat-completions wire formats, with bearer checks, per-account quotas, faults and counters.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { abortReason, redactSecret, systemClock, type Clock } from '@baton/core';
import { anthropicWire } from './anthropic-wire.js';
import {
  CredentialChecker,
  hasOAuthBeta,
  readCredential,
  type CredentialCheck,
} from './credentials.js';
import { EmulatorStats } from './stats.js';
import { FaultQueue } from './faults.js';
import { openaiWire } from './openai-wire.js';
import { responsesWire } from './responses-wire.js';
import {
  CODE_ASSIST_BASE_PATH,
  codeAssistQuotaAnswer,
  codeAssistWire,
  requestProject,
} from './code-assist-wire.js';
import { CodeAssistAccounts } from './code-assist-setup.js';
import { QuotaWindows, retryAfterSeconds, type QuotaDecision } from './quota.js';
import { quotaAnswer } from './quota-responses.js';
import { writeVerbatim } from './verbatim.js';
import {
  BodyTooLargeError,
  newStreamOutcome,
  readBody,
  sendJson,
  writeStream,
  type StreamOutcome,
} from './respond.js';
import type {
  EmulatorRequestInfo,
  FaultMatch,
  ProviderEmulatorHandle,
  ProviderEmulatorOptions,
  RecordedRequest,
} from './types.js';
import type { ParsedRequest, Reply, WireFormat } from './wire.js';

const DEFAULT_HOST = '127.0.0.1';
const MS_PER_SECOND = 1000;

const DEFAULT_STATUS_MESSAGES: Record<number, string> = {
  400: 'Invalid request',
  404: 'Not found',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  529: 'Overloaded',
};

/** The last user message, echoed back. */
export const echoLastUserMessage = (request: EmulatorRequestInfo): string =>
  [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';

/** Words, each with its trailing whitespace, so that joining the chunks gives the text back. */
export const splitIntoWords = (text: string): string[] => text.match(/\s+|\S+\s*/g) ?? [];

const countWords = (text: string): number => text.match(/\S+/g)?.length ?? 0;

interface RequestContext {
  wire: WireFormat;
  record: RecordedRequest;
  signal: AbortSignal;
  stream: StreamOutcome;
}

class ProviderEmulator {
  readonly stats = new EmulatorStats();
  readonly faults = new FaultQueue();
  readonly credentials: CredentialChecker;
  readonly quotas: QuotaWindows;
  readonly codeAssist: CodeAssistAccounts;
  private readonly clock: Clock;
  private readonly lifetime = new AbortController();
  private readonly sockets = new Set<Socket>();
  private closing = false;
  private seq = 0;

  constructor(
    readonly server: Server,
    private readonly options: ProviderEmulatorOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.credentials = new CredentialChecker(options.staticKeys, options.introspection);
    this.quotas = new QuotaWindows(this.clock, options.quotas, options.defaultQuota);
    this.codeAssist = new CodeAssistAccounts(options.codeAssist);
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const wire = path.startsWith(CODE_ASSIST_BASE_PATH)
      ? codeAssistWire
      : path === responsesWire.path
        ? responsesWire
        : path.includes('/chat/')
          ? openaiWire
          : anthropicWire;
    const credential = readCredential(req.headers);
    const aborter = new AbortController();
    const ctx: RequestContext = {
      wire,
      signal: AbortSignal.any([aborter.signal, this.lifetime.signal]),
      stream: newStreamOutcome(),
      record: {
        route: wire.route,
        status: 0,
        stream: false,
        credentialKind: credential.kind,
        headers: safeRequestHeaders(req),
      },
    };
    this.stats.arrived(ctx.record);
    res.on('close', () => {
      const early = !res.writableFinished && !ctx.stream.destroyedByEmulator && !this.closing;
      aborter.abort();
      if (early) this.stats.clientClosed(ctx.record, ctx.stream.chunksSent, this.clock.now());
    });

    // Code Assist's setup methods (loadCodeAssist, onboardUser, the operation) answer per account.
    if (wire === codeAssistWire && path !== wire.path) {
      const check = await this.credentials.check(credential.token, ctx.signal);
      if (!check.ok) return this.refuse(res, ctx, check, credential.token);
      ctx.record.account = check.account;
      this.stats.authenticated(ctx.record);
      const setup = this.codeAssist.answer(path.slice(CODE_ASSIST_BASE_PATH.length), check.account);
      if (!setup) return this.fail(res, ctx, 404, `no route for ${path}`);
      this.stats.responded(ctx.record, setup.status);
      return sendJson(res, setup.status, {}, setup.body);
    }
    if (path !== wire.path) return this.fail(res, ctx, 404, `no route for ${path}`);
    if (req.method !== 'POST') return this.fail(res, ctx, 405, `use POST for ${path}`);
    let raw: string;
    try {
      raw = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return this.fail(res, ctx, 413, error.message);
      return;
    }
    const check = await this.credentials.check(credential.token, ctx.signal);
    if (!check.ok) return this.refuse(res, ctx, check, credential.token);
    // An OAuth access token (one the authorization server issued, not a static API key) sent without
    // the OAuth beta flag gets what Anthropic answers it (anthropics/claude-code#5983).
    if (
      this.options.requireOAuthBeta !== false &&
      wire.route === 'anthropic' &&
      check.source === 'introspection' &&
      !hasOAuthBeta(req)
    )
      return this.fail(res, ctx, 401, 'OAuth authentication is currently not supported.');
    ctx.record.account = check.account;
    this.stats.authenticated(ctx.record);

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return this.fail(res, ctx, 400, 'the request body is not valid JSON');
    }
    ctx.record.body = body;
    const parsed = wire.parse(body);
    if ('error' in parsed) return this.fail(res, ctx, 400, parsed.error);
    // A Code Assist call must name the project of the account the token belongs to.
    const refused =
      wire === codeAssistWire
        ? this.codeAssist.checkProject(check.account, requestProject(body))
        : undefined;
    if (refused) {
      this.stats.responded(ctx.record, refused.status);
      return sendJson(res, refused.status, {}, refused.body);
    }
    ctx.record.stream = parsed.stream;
    ctx.record.model = parsed.model;
    await this.serve(res, ctx, check.account, parsed);
  }

  private async serve(
    res: ServerResponse,
    ctx: RequestContext,
    account: string,
    parsed: ParsedRequest,
  ): Promise<void> {
    const target = { route: ctx.wire.route, account, stream: parsed.stream };
    const slow = this.faults.take('slow-first-byte', target);
    if (slow?.amount) {
      try {
        await this.clock.sleep(slow.amount, ctx.signal);
      } catch {
        return; // the client went away, or the emulator is closing
      }
    }
    const recorded = this.faults.take('verbatim', target);
    if (recorded?.response) {
      if (res.destroyed) return;
      this.stats.responded(ctx.record, recorded.response.status);
      await writeVerbatim(res, recorded.response, ctx.stream);
      if (ctx.stream.faulted) this.stats.faultedStream(ctx.record);
      return;
    }
    const injected = this.faults.take('status', target);
    if (injected?.status !== undefined) {
      const headers: Record<string, string> = {};
      if (injected.retryAfterSeconds !== undefined)
        headers['retry-after'] = String(injected.retryAfterSeconds);
      const message =
        injected.message ?? DEFAULT_STATUS_MESSAGES[injected.status] ?? `HTTP ${injected.status}`;
      return this.fail(res, ctx, injected.status, message, headers);
    }

    const quota = this.quotas.take(account);
    const headers = {
      ...this.requestIdHeader(ctx.wire),
      ...this.rateLimitHeaders(ctx.wire, quota),
    };
    if (quota && !quota.allowed) return this.quotaExceeded(res, ctx, quota, headers);

    if (res.destroyed) return;
    const reply = this.buildReply(ctx.wire, account, parsed);
    if (!parsed.stream) {
      this.stats.responded(ctx.record, 200);
      return sendJson(res, 200, headers, ctx.wire.json(reply));
    }
    const fault = this.faults.takeStreamFault(target);
    this.stats.responded(ctx.record, 200);
    await writeStream(res, headers, ctx.wire.stream(reply), fault, ctx.signal, ctx.stream);
    if (ctx.stream.faulted) this.stats.faultedStream(ctx.record);
  }

  private quotaExceeded(
    res: ServerResponse,
    ctx: RequestContext,
    quota: QuotaDecision & { allowed: false },
    headers: Record<string, string>,
  ): void {
    if (res.destroyed) return;
    const state = {
      rule: quota.rule,
      resetAt: quota.resetAt,
      seconds: retryAfterSeconds(quota.retryAfterMs),
    };
    const answer =
      ctx.wire === codeAssistWire
        ? codeAssistQuotaAnswer(state)
        : quotaAnswer(ctx.wire.route, state, this.clock.now());
    this.stats.responded(ctx.record, answer.status);
    sendJson(res, answer.status, { ...headers, ...answer.headers }, answer.body);
  }

  private refuse(
    res: ServerResponse,
    ctx: RequestContext,
    check: CredentialCheck & { ok: false },
    token: string | undefined,
  ): void {
    if (check.reason === 'introspection-failed')
      return this.fail(res, ctx, 500, `token introspection failed: ${check.detail}`);
    const message =
      check.reason === 'missing'
        ? 'No credential: send Authorization: Bearer <token> or x-api-key.'
        : `Invalid bearer token or API key (${redactSecret(token)}${check.reason === 'inactive' ? ', inactive' : ''}).`;
    this.fail(res, ctx, 401, message);
  }

  private fail(
    res: ServerResponse,
    ctx: RequestContext,
    status: number,
    message: string,
    headers: Record<string, string> = {},
    code?: string,
  ): void {
    if (res.destroyed) return; // the client is gone: nothing is sent, nothing is counted
    this.stats.responded(ctx.record, status);
    sendJson(
      res,
      status,
      { ...this.requestIdHeader(ctx.wire), ...headers },
      ctx.wire.errorBody(status, message, code),
    );
  }

  private buildReply(wire: WireFormat, account: string, parsed: ParsedRequest): Reply {
    const info: EmulatorRequestInfo = {
      route: wire.route,
      account,
      model: parsed.model,
      messages: parsed.messages,
      stream: parsed.stream,
      ...(parsed.system !== undefined ? { system: parsed.system } : {}),
    };
    const text = (this.options.reply ?? echoLastUserMessage)(info);
    let chunks = (this.options.splitReply ?? splitIntoWords)(text).filter((c) => c !== '');
    const truncated = parsed.maxTokens !== undefined && chunks.length > parsed.maxTokens;
    if (truncated) chunks = chunks.slice(0, parsed.maxTokens);
    const n = ++this.seq;
    return {
      id: wire.route === 'anthropic' ? `msg_emu_${n}` : `chatcmpl-emu-${n}`,
      model: parsed.model,
      chunks,
      truncated,
      inputTokens: countWords(
        [parsed.system ?? '', ...parsed.messages.map((m) => m.content)].join(' '),
      ),
      outputTokens: chunks.length,
      includeUsage: parsed.includeUsage,
      created: Math.floor(this.clock.now() / MS_PER_SECOND),
    };
  }

  private requestIdHeader(wire: WireFormat): Record<string, string> {
    const id = `req_emu_${++this.seq}`;
    return wire.route === 'anthropic' ? { 'request-id': id } : { 'x-request-id': id };
  }

  private rateLimitHeaders(
    wire: WireFormat,
    quota: QuotaDecision | undefined,
  ): Record<string, string> {
    if (!quota) return {};
    return wire.rateLimitHeaders({
      limit: quota.rule.requestsPerWindow,
      remaining: quota.remaining,
      resetAt: quota.resetAt,
      now: this.clock.now(),
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.lifetime.abort();
    this.stats.rejectWaiters(new Error('the provider emulator was closed'));
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

function safeRequestHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || name === 'x-api-key' || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Starts the emulator on loopback (a random port unless one is given). */
export async function startProviderEmulator(
  options: ProviderEmulatorOptions = {},
): Promise<ProviderEmulatorHandle> {
  const server = createServer();
  const emulator = new ProviderEmulator(server, options);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    emulator.handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, {}, { error: { message: 'emulator failure' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? DEFAULT_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  const { stats, faults } = emulator;
  const one = (n: number | undefined): number => n ?? 1;
  return {
    url,
    port,
    anthropicBaseURL: url,
    openaiBaseURL: `${url}/v1`,
    get counters() {
      return stats.snapshot(emulator.credentials.introspections);
    },
    get requests() {
      return stats.requests();
    },
    get clientCloses() {
      return stats.closes();
    },
    waitUntil: (condition, signal) =>
      new Promise<void>((resolve, reject) => {
        const check = (): boolean => condition(stats.snapshot(emulator.credentials.introspections));
        if (check()) return resolve();
        if (signal?.aborted) return reject(abortReason(signal));
        const stop = stats.onChange(() => {
          if (!check()) return;
          stop();
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
        const onAbort = (): void => {
          stop();
          reject(abortReason(signal!));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    waitForClientClose: (count = 1, signal?: AbortSignal) =>
      stats.waitForClientClose(count, signal),
    failNext: (n, { status, retryAfterSeconds: retry, message, ...match }) =>
      faults.add('status', n, match, {
        status,
        ...(retry !== undefined ? { retryAfterSeconds: retry } : {}),
        ...(message !== undefined ? { message } : {}),
      }),
    serveVerbatim: (response, n, match: FaultMatch = {}) =>
      faults.add('verbatim', one(n), match, { response: structuredClone(response) }),
    slowFirstByte: (ms, n, match: FaultMatch = {}) =>
      faults.add('slow-first-byte', one(n), match, { amount: ms }),
    cutStreamAfter: (k, n, match: FaultMatch = {}) =>
      faults.add('cut-stream', one(n), match, { amount: k }),
    endStreamWithoutTerminal: (n, match: FaultMatch = {}) =>
      faults.add('no-terminal', one(n), match),
    stallStreamAfter: (k, n, match: FaultMatch = {}) =>
      faults.add('stall', one(n), match, { amount: k }),
    clearFaults: () => faults.clear(),
    setStaticKey: (key, account) => emulator.credentials.setStaticKey(key, account),
    setQuota: (account, rule) => emulator.quotas.setRule(account, rule),
    resetCounters: () => {
      stats.reset();
      emulator.credentials.introspections = 0;
    },
    close: () => emulator.close(),
  };
}
