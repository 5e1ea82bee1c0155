// One conversation with a profile's provider through the resilient client: failover lines and
// wait countdowns on stderr, each turn starting from the first usable bucket (or the switched one).
import type { ProviderMessage, RetryEvent } from '@baton/core';
import type { FailoverSwitchEvent } from '../auth/BucketFailoverHandlerImpl.js';
import { createResilientClient, type ResilientClient } from '../auth/create-resilient-client.js';
import type { Profile } from '../config/profile.js';
import { resolveProviderConfig } from '../config/provider-registry.js';
import { readSettings } from '../config/settings.js';
import { createCountdown } from '../ui/countdown.js';
import { failoverLine } from '../ui/failover-line.js';
import type { ChatSession } from './chat/repl.js';
import type { Factory } from './factory.js';
import type { Services } from './services.js';

export interface ProviderSession extends ChatSession {
  readonly client: ResilientClient;
}

export interface ProviderSessionOptions {
  /** Also told about each switch (the demo counts them). */
  onSwitch?: (event: FailoverSwitchEvent) => void;
  /** Told about each retry of the same bucket (the demo counts forced refreshes). */
  onRetry?: (event: RetryEvent) => void;
  retry?: Parameters<typeof createResilientClient>[1]['retry'];
}

export async function openProviderSession(
  factory: Factory,
  profile: Profile,
  services: Services,
  options: ProviderSessionOptions = {},
): Promise<ProviderSession> {
  const { out, clock } = factory;
  const countdown = createCountdown(out, clock);
  const preferred = (await readSettings(factory.paths)).preferredBuckets?.[profile.provider];
  const client = createResilientClient(profile, {
    manager: services.manager,
    ledger: services.ledger,
    providerConfig: resolveProviderConfig(profile.provider, factory.paths, { allowRetired: true }),
    interactive: factory.interactive,
    clock,
    random: factory.random,
    log: factory.log,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    onWait: (event) =>
      countdown.start(event.ms, `${event.reason} on bucket ${event.bucket ?? '?'}`),
    onSwitch: (event) => {
      countdown.stop();
      out.note(failoverLine(event, clock.now()));
      options.onSwitch?.(event);
    },
  });

  async function newTurn(): Promise<void> {
    await client.newTurn();
    if (preferred === undefined || !profile.buckets.includes(preferred)) return;
    const mark = await services.ledger.get(profile.provider, preferred).catch(() => undefined);
    if (mark === undefined || mark.until <= clock.now()) {
      services.manager.setSessionBucket(profile.provider, profile.name, preferred);
    }
  }

  async function* stream(
    messages: readonly ProviderMessage[],
    signal: AbortSignal,
  ): AsyncIterable<string> {
    try {
      for await (const chunk of client.stream({ messages }, { signal })) {
        countdown.stop();
        if (chunk.type === 'text') yield chunk.text;
      }
    } finally {
      countdown.stop();
    }
  }

  async function statusLines(): Promise<string[]> {
    const report = await services.manager.status(profile.provider, { buckets: profile.buckets });
    const current = client.currentBucket();
    const now = clock.now();
    return profile.buckets.map((bucket) => {
      const b = report.buckets.find((s) => s.bucket === bucket);
      const parts = [
        bucket === current ? `* ${bucket}` : `  ${bucket}`,
        !b?.authenticated ? 'not logged in' : b.needsLogin ? 'needs login' : (b.kind ?? 'oauth'),
      ];
      if (b?.coolingUntil !== undefined && b.coolingUntil > now) {
        parts.push(
          `${b.coolingReason ?? 'cooling'} until ${new Date(b.coolingUntil).toLocaleTimeString()}`,
        );
      }
      return parts.join('  ');
    });
  }

  return { client, stream, newTurn, statusLines };
}
