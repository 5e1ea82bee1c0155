// What the demo counts while it runs, per bucket, from events it observed and from the emulator's
// own counters; the summary prints these numbers and nothing estimated.
import type { EmulatorCounters } from '@baton/testkit';
import { formatTable } from '../../ui/output.js';

export interface BucketTally {
  failovers: number;
  refreshes: number;
  renewals: number;
}

export class DemoStats {
  readonly tallies = new Map<string, BucketTally>();
  exhausted = 0;
  answered = 0;

  constructor(readonly buckets: readonly string[]) {
    for (const b of buckets) this.tallies.set(b, { failovers: 0, refreshes: 0, renewals: 0 });
  }

  count(bucket: string | undefined, field: keyof BucketTally): void {
    const tally = bucket === undefined ? undefined : this.tallies.get(bucket);
    if (tally) tally[field] += 1;
  }

  total(field: keyof BucketTally): number {
    let sum = 0;
    for (const t of this.tallies.values()) sum += t[field];
    return sum;
  }

  /** The summary table; requests and 429s come from the emulator, by account. */
  table(counters: EmulatorCounters, accountOf: (bucket: string) => string): string[] {
    const rows = [['BUCKET', 'REQUESTS', '429s', 'FAILOVERS', 'REFRESHES', 'RENEWALS']];
    for (const bucket of this.buckets) {
      const account = counters.byAccount[accountOf(bucket)];
      const tally = this.tallies.get(bucket)!;
      rows.push([
        bucket,
        String(account?.requests ?? 0),
        String(account?.byStatus[429] ?? 0),
        String(tally.failovers),
        String(tally.refreshes),
        String(tally.renewals),
      ]);
    }
    return formatTable(rows);
  }
}
