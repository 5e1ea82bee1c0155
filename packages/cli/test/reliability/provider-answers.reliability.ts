// Rows: odd provider answers on bucket a of a two-bucket profile (an error event inside a 200
// stream, a stream without its terminal event, a stalled stream, 401 for an unexpired token, 403
// with a quota body, a huge Retry-After, an HTTP-date Retry-After in the past). Each ends in a
// recovery (served, on a or b) or a clear error, with no token leaked and tight permissions.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { VerbatimResponse } from '@baton/testkit';
import { PROVIDER, accountOf, ask, startWorld, type World } from '../heart/world.js';
import { errorText, expectNoLeak, expectTightPermissions, secretsOf } from './checks.js';

const A = { account: accountOf('a') };

/** One 429 on a, then a served by a retry on a within a short backoff; no cooldown recorded. */
async function retriedOnceQuickly(elapsedMs: number): Promise<void> {
  expect(world.emulator.counters.byAccount[A.account]?.byStatus[429]).toBe(1);
  expect(elapsedMs).toBeLessThan(5_000);
  expect(await world.ledger.get(PROVIDER, 'a')).toBeUndefined();
}

function fixture(id: string): VerbatimResponse {
  const url = new URL(`../../../testkit/fixtures/providers/${id}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { response: VerbatimResponse }).response;
}

let world: World;
beforeAll(async () => {
  world = await startWorld();
  await world.loginBucket('a');
  await world.loginBucket('b');
});
afterAll(async () => {
  await world?.close();
});
beforeEach(async () => {
  world.emulator.clearFaults();
  world.emulator.resetCounters();
  world.server.resetCounters();
  // Every row starts on bucket a: forget the bucket an earlier row's profile settled on.
  world.manager.clearSessionBucket(PROVIDER, 'test');
  world.log.length = 0;
  world.switches.length = 0;
  for (const bucket of ['a', 'b']) await world.ledger.clear(PROVIDER, bucket);
});

type Outcome =
  /** The answer arrives, served by this bucket. */
  | { servedBy: 'a' | 'b' }
  /** A clear error, after this much text reached the caller. */
  | { error: RegExp; partial?: string };

interface AnswerRow {
  name: string;
  arrange: () => void;
  outcome: Outcome;
  /** Fast retry settings for this row (a stalled stream needs a short idle limit). */
  retry?: { streamIdleMs?: number; deadlineMs?: number };
  /** Checked after the outcome: what the ledger or the store says. */
  then?: (elapsedMs: number) => Promise<void>;
}

const rows: AnswerRow[] = [
  {
    name: 'an error event inside a 200 stream, before any text',
    arrange: () =>
      world.emulator.serveVerbatim(fixture('openai-stream-server-error-before-output'), 1, A),
    outcome: { servedBy: 'a' },
  },
  {
    name: 'an error event inside a 200 stream, after text reached the caller',
    arrange: () => world.emulator.serveVerbatim(fixture('openai-stream-error-after-output'), 1, A),
    outcome: {
      error: /stream was interrupted after 1 chunk\(s\): The server had an error/,
      partial: 'Partial',
    },
  },
  {
    name: 'a stream that ends without its terminal event',
    arrange: () => world.emulator.endStreamWithoutTerminal(1, A),
    outcome: {
      error: /stream was interrupted after 1 chunk\(s\).*ended without its terminal event/,
      partial: 'q',
    },
  },
  {
    name: 'a stalled stream (short idle limit)',
    arrange: () => world.emulator.stallStreamAfter(1, 1, A),
    retry: { streamIdleMs: 300, deadlineMs: 5_000 },
    outcome: {
      error: /stream was interrupted after 1 chunk\(s\).*sent nothing for 300 ms/,
      partial: 'q',
    },
  },
  {
    name: '401 for a token that has not expired',
    arrange: () => world.emulator.failNext(1, { status: 401, ...A }),
    // First 401: force-refresh the bucket and retry it (BEHAVIOR §6).
    outcome: { servedBy: 'a' },
    then: async () => {
      expect(world.server.counters.byGrantType.refresh_token).toBe(1);
    },
  },
  {
    name: '403 with a quota body',
    arrange: () => world.emulator.serveVerbatim(fixture('dashscope-403-free-tier-only'), 1, A),
    outcome: { servedBy: 'b' },
  },
  {
    name: 'a huge Retry-After (a billion seconds)',
    arrange: () => world.emulator.failNext(1, { status: 429, retryAfterSeconds: 1e9, ...A }),
    // More than 30 days away counts as no information (BEHAVIOR §6): a short backoff, same bucket.
    outcome: { servedBy: 'a' },
    then: retriedOnceQuickly,
  },
  {
    name: 'an HTTP-date Retry-After in the past',
    arrange: () =>
      world.emulator.serveVerbatim(
        {
          status: 429,
          headers: { 'retry-after': 'Wed, 01 Jan 2020 00:00:00 GMT' },
          body: { error: { message: 'Rate limit reached', type: 'requests', code: null } },
        },
        1,
        A,
      ),
    // A date already past means "now": retried at once on the same bucket, no cooldown left.
    outcome: { servedBy: 'a' },
    then: retriedOnceQuickly,
  },
];

describe('provider answers', () => {
  it.each(rows)('$name', async (row) => {
    const before = secretsOf(
      await world.store.get(PROVIDER, 'a'),
      await world.store.get(PROVIDER, 'b'),
    );
    row.arrange();
    const startedAt = Date.now();
    const client = world.client(['a', 'b'], {
      retry: { initialDelayMs: 5, maxDelayMs: 20, ...row.retry },
    });
    let text = '';
    const result = await (async () => {
      for await (const chunk of client.stream({ messages: [{ role: 'user', content: 'q' }] })) {
        if (chunk.type === 'text') text += chunk.text;
      }
    })().then(
      () => ({ ok: true as const }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const texts = [text, ...world.log, JSON.stringify(world.switches)];
    if (!result.ok) texts.push(errorText(result.error));
    if ('servedBy' in row.outcome) {
      expect(result.ok, result.ok ? '' : errorText(result.error)).toBe(true);
      expect(text).toBe('q');
      const other = row.outcome.servedBy === 'a' ? 'b' : 'a';
      expect(world.served(row.outcome.servedBy)).toBeGreaterThanOrEqual(1);
      expect(world.served(other)).toBe(0);
      expect(world.switches.map((s) => s.to)).toEqual(other === 'a' ? ['b'] : []);
    } else {
      expect(result.ok).toBe(false);
      expect(errorText(!result.ok && result.error)).toMatch(row.outcome.error);
      expect(text).toBe(row.outcome.partial ?? '');
    }
    await row.then?.(Date.now() - startedAt);
    // Both buckets still hold working tokens: the next request is served.
    world.emulator.clearFaults();
    for (const bucket of ['a', 'b']) await world.ledger.clear(PROVIDER, bucket);
    expect(await ask(world.client(['a', 'b']), 'after')).toBe('after');
    const after = secretsOf(
      await world.store.get(PROVIDER, 'a'),
      await world.store.get(PROVIDER, 'b'),
    );
    expectNoLeak(texts, [...before, ...after]);
    await expectTightPermissions(world.dir);
  });
});
