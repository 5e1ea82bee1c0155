// The one dim line a failover shows ("bucket a out of quota until 14:05 → using b"), built from the
// handler's switch event for the bucket that was left.
import { formatRetryTime } from '@baton/core';
import type { FailoverSwitchEvent } from '../auth/BucketFailoverHandlerImpl.js';

function why(event: FailoverSwitchEvent, now: number): string {
  switch (event.reason) {
    case 'quota-exhausted':
      return event.retryAt !== undefined
        ? `out of quota until ${formatRetryTime(event.retryAt, now)}`
        : 'out of quota';
    case 'expired-refresh-failed':
      return 'has an expired login';
    case 'no-token':
      return 'is not logged in';
    case 'reauth-failed':
      return 'could not log in again';
    case 'refused':
      return 'was refused by the provider';
    default:
      return 'failed';
  }
}

const VIA: Record<FailoverSwitchEvent['via'], string> = {
  usable: '',
  refreshed: ' (refreshed)',
  login: ' (after a login)',
};

export function failoverLine(event: FailoverSwitchEvent, now: number): string {
  return `bucket ${event.from ?? '?'} ${why(event, now)} → using ${event.to}${VIA[event.via]}`;
}
