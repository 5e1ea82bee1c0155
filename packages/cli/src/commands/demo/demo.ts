// `baton demo`: the whole system on this machine with no account and no network. It starts the
// testkit authorization server and provider emulator, logs N buckets in through the device flow
// (approved automatically, shown as a real login), then sends requests against small quotas so
// that a refresh, failovers, a proactive renewal and the final exhausted error all happen, and
// ends with a summary. Everything lives in a throwaway dir that is removed at the end.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AllBucketsExhaustedError, systemClock } from '@baton/core';
import { ProactiveRenewalScheduler } from '../../auth/proactive-renewal.js';
import { saveProfile, type Profile } from '../../config/profile.js';
import { saveCustomProvider } from '../../config/provider-registry.js';
import { UsageError } from '../../ui/errors.js';
import { createFactory, type Factory } from '../factory.js';
import { openProviderSession } from '../provider-session.js';
import { createServices, type Services } from '../services.js';
import { DemoStats } from './demo-stats.js';
import { fastTime } from './fast-time.js';
import { startLocalStack, type LocalStack } from './local-stack.js';

export interface DemoOptions {
  factory: Factory;
  buckets?: number;
  requests?: number;
  /** How much faster than the wall clock the demo's time runs. */
  speed?: number;
}

export const DEMO_PROVIDER = 'demo';
export const DEFAULT_DEMO_BUCKETS = 3;
export const MAX_DEMO_BUCKETS = 8;
/** Each account answers this many requests per quota window. */
const REQUESTS_PER_WINDOW = 2;
const QUOTA_WINDOW_MS = 2 * 60 * 60_000;
/** Ten minutes: long enough to be renewed proactively (more than five minutes left). */
const ACCESS_TOKEN_TTL_SECONDS = 600;
const DEFAULT_SPEED = 60;
const DEVICE_POLL_MS = 15_000;
const RENEWAL_WAIT_REAL_MS = 30_000;

const accountOf = (bucket: string): string => `demo-${bucket}`;

function checkCount(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const n = checkCount('buckets', options.buckets ?? DEFAULT_DEMO_BUCKETS, 1, MAX_DEMO_BUCKETS);
  const requests = checkCount('requests', options.requests ?? n * REQUESTS_PER_WINDOW + 1, 1, 100);
  const speed = options.speed ?? DEFAULT_SPEED;
  const buckets = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + i));
  const root = await mkdtemp(path.join(tmpdir(), 'baton-demo-'));
  const time = fastTime(speed);
  const outer = options.factory;
  const factory = createFactory({
    io: outer.io,
    env: {
      ...(outer.env.NO_COLOR !== undefined ? { NO_COLOR: outer.env.NO_COLOR } : {}),
      ...(outer.env.TERM !== undefined ? { TERM: outer.env.TERM } : {}),
      BATON_CONFIG_DIR: path.join(root, 'config'),
      BATON_DATA_DIR: path.join(root, 'data'),
      BATON_STORE: 'file',
      BATON_STORE_PASSPHRASE: randomBytes(16).toString('hex'),
    },
    clock: time.clock,
    random: outer.random,
    prompter: outer.prompter,
    interactive: false,
    debug: outer.debug,
  });
  const { out } = factory;
  const heading = (text: string): void => out.info(`\n${out.colors.bold(text)}`);
  const stats = new DemoStats(buckets);
  let stack: LocalStack | undefined;
  let services: Services | undefined;
  let scheduler: ProactiveRenewalScheduler | undefined;
  try {
    heading('1. A provider on this machine');
    stack = await startLocalStack({
      accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
      defaultQuota: {
        requestsPerWindow: REQUESTS_PER_WINDOW,
        windowMs: QUOTA_WINDOW_MS,
        mode: '429',
      },
      clock: time.clock,
      reply: (request) =>
        `answer to "${request.messages.at(-1)?.content ?? ''}" from account ${request.account}`,
    });
    const server = stack.server;
    out.info(`authorization server  ${server.issuer}  (device flow, refresh-token rotation)`);
    out.info(
      `provider emulator     ${stack.emulator.url}  (${REQUESTS_PER_WINDOW} requests per account, then 429)`,
    );
    out.note(
      `time runs ${speed}× faster here, so ten-minute tokens reach their renewal in seconds`,
    );
    await saveCustomProvider(factory.paths, stack.provider(DEMO_PROVIDER));
    const profile: Profile = {
      name: 'demo',
      provider: DEMO_PROVIDER,
      model: 'emulator-1',
      buckets,
    };
    await saveProfile(factory.paths, profile);
    out.info(`profile demo: buckets ${buckets.join(', ')} (tried in this order)`);

    heading(`2. Logging in ${n} bucket${n === 1 ? '' : 's'} (device flow, approved automatically)`);
    services = await createServices(factory, {
      login: {
        browser: false,
        intervalMs: DEVICE_POLL_MS,
        onDeviceCode: (prompt, request) =>
          server.approveDeviceCode(prompt.userCode, { account: accountOf(request.bucket) }),
      },
    });
    const manager = services.manager;
    scheduler = new ProactiveRenewalScheduler({
      clock: time.clock,
      random: factory.random,
      timers: time.timers,
      renew: async (provider, bucket, signal) => {
        const before = await manager.peekToken(provider, bucket);
        const token = await manager.forceRefresh(provider, bucket, before?.access_token, {
          signal,
        });
        return { token, refreshedBy: token === before ? 'another-process' : 'this-process' };
      },
      onEvent: (event) => {
        if (event.type !== 'renewed') return;
        stats.count(event.bucket, 'renewals');
        out.note(
          `proactive renewal: bucket ${event.bucket} renewed at 80% of its token's lifetime`,
        );
      },
    });
    for (const bucket of buckets) {
      const token = await manager.authenticate(DEMO_PROVIDER, bucket, {
        force: true,
        timeoutMs: 10 * 60_000,
      });
      scheduler.schedule(DEMO_PROVIDER, bucket, token);
    }

    heading(`3. ${requests} requests`);
    const session = await openProviderSession(factory, profile, services, {
      onSwitch: (event) => stats.count(event.from, 'failovers'),
      onRetry: (event) => {
        if (event.action !== 'force-refresh') return;
        stats.count(event.bucket, 'refreshes');
        out.note(`bucket ${event.bucket ?? '?'} answered 401 → refreshing its token and retrying`);
      },
      // The demo's clock is fast: keep the real limits on the wall clock.
      retry: { deadlineMs: 300_000 * speed, streamIdleMs: 60_000 * speed },
    });
    for (let i = 1; i <= requests; i += 1) {
      if (i === 2) {
        // A revoked access token: the first 401 makes baton refresh the bucket and retry.
        stack.emulator.failNext(1, {
          status: 401,
          account: accountOf(session.client.currentBucket()),
        });
      }
      if (i === 4 && n > 1) await waitForRenewal(factory, stats);
      await ask(factory, session, i, stats);
    }

    heading('4. Summary');
    for (const line of stats.table(stack.emulator.counters, accountOf)) out.info(line);
    out.info(
      `answered ${stats.answered} of ${requests}; failovers ${stats.total('failovers')}, refreshes ${stats.total('refreshes')}, ` +
        `renewals ${stats.total('renewals')}, exhausted errors ${stats.exhausted}; ` +
        `refresh grants at the server: ${server.counters.byGrantType.refresh_token ?? 0}`,
    );
    out.note(
      'everything above ran on 127.0.0.1; the throwaway config, tokens and servers are gone now',
    );
  } finally {
    scheduler?.dispose();
    services?.dispose();
    await stack?.close();
    await rm(root, { recursive: true, force: true });
  }
}

async function ask(
  factory: Factory,
  session: Awaited<ReturnType<typeof openProviderSession>>,
  i: number,
  stats: DemoStats,
): Promise<void> {
  const { out } = factory;
  const prompt = `request ${i}`;
  await session.newTurn();
  let text = '';
  try {
    for await (const delta of session.stream(
      [{ role: 'user', content: prompt }],
      new AbortController().signal,
    )) {
      text += delta;
    }
    stats.answered += 1;
    out.success(`${prompt} → bucket ${session.client.currentBucket()}: ${text}`);
  } catch (error) {
    if (!(error instanceof AllBucketsExhaustedError)) throw error;
    stats.exhausted += 1;
    out.failure(`${prompt}: ${error.message.split('\n').join('\n    ')}`);
  }
}

async function waitForRenewal(factory: Factory, stats: DemoStats): Promise<void> {
  if (stats.total('renewals') > 0) return;
  factory.out.note('waiting for a proactive renewal (tokens renew at 80% of their lifetime)…');
  const deadline = Date.now() + RENEWAL_WAIT_REAL_MS;
  while (stats.total('renewals') === 0 && Date.now() < deadline) {
    await systemClock.sleep(100);
  }
}
