// The failure vocabulary the heart records and core defines: exactly six reasons, each with a detail
// of known fields only. The handler, the exhausted error and `--json` all speak it, so a seventh
// reason or a renamed one must be a deliberate change that breaks this test.
import { describe, expect, it } from 'vitest';
import {
  AllBucketsExhaustedError,
  BUCKET_FAILURE_REASONS,
  type BucketFailureDetail,
  type BucketFailureReason,
} from '@baton/core';

describe('the bucket failure vocabulary', () => {
  /**
   * @plan PLAN-20260223-ISSUE1598.P06
   * @requirement REQ-1598-IC01
   */
  it('is exactly the six reasons, and a detail carries reason, status, retryAt and message', () => {
    expect([...BUCKET_FAILURE_REASONS].sort()).toEqual([
      'expired-refresh-failed',
      'no-token',
      'quota-exhausted',
      'reauth-failed',
      'refused',
      'skipped',
    ]);
    const details: Record<string, BucketFailureDetail> = Object.fromEntries(
      BUCKET_FAILURE_REASONS.map((reason, i) => [
        `b${i}`,
        { reason, status: 400 + i, retryAt: 1_000 * (i + 1), message: `why ${reason}` },
      ]),
    );
    const reasons: Record<string, BucketFailureReason> = Object.fromEntries(
      Object.entries(details).map(([bucket, detail]) => [bucket, detail.reason]),
    );
    const error = new AllBucketsExhaustedError(
      'local',
      Object.keys(details),
      undefined,
      reasons,
      details,
    );
    expect(error.bucketFailureReasons).toEqual(reasons);
    expect(error.details).toEqual(details);
    expect(error.earliestRetryAt).toBe(1_000);
    for (const reason of BUCKET_FAILURE_REASONS) expect(error.message).toContain(reason);
  });
});
