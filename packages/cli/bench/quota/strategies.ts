// The ways of spending three keys that the quota simulation compares with baton. Each serves one
// request to completion (waiting on the simulated clock as its policy says) over the real wire
// client and the emulator. Written here from their descriptions, not taken from other code.
import {
  AllBucketsExhaustedError,
  ProviderError,
  type ProviderClient,
  type ProviderRequest,
} from '@baton/core';
import type { ResilientClient } from '../../src/auth/create-resilient-client.js';
import type { SimClock } from './sim-clock.js';

export interface Strategy {
  name: string;
  /** Resolves once the request was served (after as much simulated waiting as the policy does). */
  serve(text: string): Promise<void>;
}

export interface StrategyParts {
  wire: ProviderClient;
  keys: readonly string[];
  clock: SimClock;
  random: () => number;
}

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;
/** litellm's DEFAULT_COOLDOWN_TIME_SECONDS: a deployment's cooldown when the 429 states none. */
export const LITELLM_DEFAULT_COOLDOWN_MS = 5_000;
/** What baton's user does when every bucket is out and no reset is known: try again a minute later. */
const USER_RETRY_MS = 60_000;

const request = (text: string): ProviderRequest => ({
  model: 'sim-model',
  messages: [{ role: 'user', content: text }],
});

async function send(wire: ProviderClient, key: string, text: string): Promise<void> {
  let out = '';
  for await (const chunk of wire.stream(request(text), { apiKey: key }))
    if (chunk.type === 'text') out += chunk.text;
  if (out !== text) throw new Error(`the emulator answered ${JSON.stringify(out)}`);
}

/** The failures every strategy treats as "this key is spent for now". */
function isLimit(error: unknown): error is ProviderError {
  return error instanceof ProviderError && (error.kind === 'rate-limit' || error.kind === 'quota');
}

/** One key only; on a limit it waits 1 s, doubling to 60 s, and tries the same key again. */
export function retrySameKey({ wire, keys, clock }: StrategyParts): Strategy {
  return {
    name: 'retry same key, backoff',
    async serve(text) {
      let delay = FIRST_BACKOFF_MS;
      for (;;) {
        try {
          return await send(wire, keys[0]!, text);
        } catch (error) {
          if (!isLimit(error)) throw error;
          await clock.sleep(delay);
          delay = Math.min(delay * 2, MAX_BACKOFF_MS);
        }
      }
    },
  };
}

/**
 * Stays on a key until it fails, then moves to the next at once, remembering nothing. After a whole
 * round of failures it waits (1 s, doubling to 60 s): without that it would spin forever.
 */
export function rotateOnError({ wire, keys, clock }: StrategyParts): Strategy {
  let index = 0;
  return {
    name: 'rotate on every error',
    async serve(text) {
      let delay = FIRST_BACKOFF_MS;
      let failures = 0;
      for (;;) {
        try {
          return await send(wire, keys[index]!, text);
        } catch (error) {
          if (!isLimit(error)) throw error;
          index = (index + 1) % keys.length;
          if (++failures % keys.length === 0) {
            await clock.sleep(delay);
            delay = Math.min(delay * 2, MAX_BACKOFF_MS);
          }
        }
      }
    },
  };
}

/**
 * The LiteLLM Router's documented policy: each request picks at random among the deployments not
 * cooling down; a 429 cools its deployment for the Retry-After it carries, else 5 s; when all are
 * cooling the caller waits for the first to come back.
 */
export function litellmRouter({ wire, keys, clock, random }: StrategyParts): Strategy {
  const coolUntil = new Map<string, number>();
  return {
    name: 'LiteLLM Router policy',
    async serve(text) {
      for (;;) {
        const now = clock.now();
        const free = keys.filter((key) => (coolUntil.get(key) ?? 0) <= now);
        if (free.length === 0) {
          await clock.sleep(Math.min(...keys.map((key) => coolUntil.get(key)!)) - now);
          continue;
        }
        const key = free[Math.floor(random() * free.length)]!;
        try {
          return await send(wire, key, text);
        } catch (error) {
          if (!isLimit(error)) throw error;
          const stated = retryAfterHeaderMs(error.headers, clock.now());
          coolUntil.set(key, clock.now() + (stated ?? LITELLM_DEFAULT_COOLDOWN_MS));
        }
      }
    },
  };
}

/**
 * The Retry-After header alone (seconds or an HTTP date), as the router reads it: provider-specific
 * reset headers and bodies mean nothing to it.
 */
function retryAfterHeaderMs(
  headers: Readonly<Record<string, string>>,
  now: number,
): number | undefined {
  const value = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * baton as the CLI runs it: each request is a new turn (the ledger read again); when every bucket
 * is out, the person waits until the earliest reset baton names (a minute if it names none).
 */
export function batonStrategy(name: string, client: ResilientClient, clock: SimClock): Strategy {
  return {
    name,
    async serve(text) {
      for (;;) {
        await client.newTurn();
        try {
          let out = '';
          for await (const chunk of client.stream({ messages: [{ role: 'user', content: text }] }))
            if (chunk.type === 'text') out += chunk.text;
          if (out !== text) throw new Error(`the emulator answered ${JSON.stringify(out)}`);
          return;
        } catch (error) {
          if (!(error instanceof AllBucketsExhaustedError)) throw error;
          const now = clock.now();
          const at = error.earliestRetryAt;
          await clock.sleep(at !== undefined && at > now ? at - now : USER_RETRY_MS);
        }
      }
    },
  };
}
