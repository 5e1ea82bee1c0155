// Doctor's clock check: compares this machine's clock with the Date header of the provider's API
// (one HEAD request, short timeout). Token expiry is computed locally, so a skewed clock makes
// baton refresh too late or too often. Unreachable servers are reported as skipped, not failed.
import type { Clock } from '@baton/core';
import { ok, warn, type CheckResult } from './check.js';

export const CLOCK_CHECK_TIMEOUT_MS = 3_000;
/** Beyond this, near-expiry checks (30 s) stop meaning what they say. */
export const MAX_CLOCK_SKEW_MS = 30_000;

export async function checkClockSkew(
  baseUrl: string,
  clock: Pick<Clock, 'now'>,
  timeoutMs = CLOCK_CHECK_TIMEOUT_MS,
): Promise<CheckResult> {
  const started = clock.now();
  let date: string | null;
  try {
    const response = await fetch(baseUrl, {
      method: 'HEAD',
      signal: AbortSignal.timeout(timeoutMs),
    });
    date = response.headers.get('date');
  } catch (error) {
    return ok(
      'clock',
      `not checked: ${new URL(baseUrl).host} did not answer (${(error as Error).message})`,
    );
  }
  const finished = clock.now();
  const serverMs = date ? Date.parse(date) : Number.NaN;
  if (!Number.isFinite(serverMs)) {
    return ok('clock', `not checked: ${new URL(baseUrl).host} sent no Date header`);
  }
  // The header has 1 s resolution and was written somewhere between send and receive.
  const localMs = (started + finished) / 2;
  const skewMs = localMs - serverMs;
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  const direction = skewMs > 0 ? 'ahead of' : 'behind';
  if (Math.abs(skewMs) > MAX_CLOCK_SKEW_MS) {
    return warn(
      'clock',
      `this clock is ${seconds} s ${direction} ${new URL(baseUrl).host}`,
      'turn on time synchronisation (e.g. `timedatectl set-ntp true`)',
    );
  }
  return ok('clock', `within ${Math.max(seconds, 1)} s of ${new URL(baseUrl).host}`);
}
