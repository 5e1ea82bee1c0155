// The one dim line a failover shows ("bucket a out of quota until 14:05 → using b"), built from the
// orchestrator's event and the handler's detail for the bucket that was left.
import { formatRetryTime, type BucketFailureDetail, type FailoverEvent } from '@baton/core';

function why(
  detail: BucketFailureDetail | undefined,
  status: number | undefined,
  now: number,
): string {
  const reason = detail?.reason;
  if (reason === 'quota-exhausted') {
    return detail?.retryAt !== undefined
      ? `out of quota until ${formatRetryTime(detail.retryAt, now)}`
      : 'out of quota';
  }
  if (reason === 'expired-refresh-failed') return 'has an expired login';
  if (reason === 'no-token') return 'is not logged in';
  if (reason === 'reauth-failed') return 'could not log in again';
  if (reason === 'refused') return 'was refused by the provider';
  return status !== undefined ? `failed (${status})` : 'failed';
}

/** The line for a switch; undefined for outcomes that are not a switch (the error reports those). */
export function failoverLine(
  event: FailoverEvent,
  detail: BucketFailureDetail | undefined,
  now: number,
): string | undefined {
  if (event.outcome !== 'switched' || event.to === undefined) return undefined;
  if (event.from === event.to) return `bucket ${event.to} renewed its login → retrying`;
  return `bucket ${event.from ?? '?'} ${why(detail, event.status, now)} → using ${event.to}`;
}
