// `baton auth status [provider]`: every bucket (stored, or listed in a profile) with its kind,
// expiry, cooldown, renewal state and errors, plus where the tokens live and how well protected.
import { formatRetryTime, validateProviderName } from '@baton/core';
import type { BucketStatus, StatusReport } from '../../auth/oauth-manager.js';
import { listProfiles } from '../../config/profile.js';
import { readSettings } from '../../config/settings.js';
import { protectionNote } from '../doctor/store-checks.js';
import { EXIT_FAILURE, type ExitCode } from '../../ui/errors.js';
import { formatTable } from '../../ui/output.js';
import type { Factory } from '../factory.js';
import { createServices } from '../services.js';

export interface AuthStatusOptions {
  factory: Factory;
  provider?: string;
  json?: boolean;
}

export async function runAuthStatus(options: AuthStatusOptions): Promise<ExitCode | void> {
  const { factory } = options;
  const only = options.provider === undefined ? undefined : validateProviderName(options.provider);
  const [entries, settings] = await Promise.all([
    listProfiles(factory.paths),
    readSettings(factory.paths),
  ]);
  // Buckets a profile lists but nobody logged in yet show up as "not logged in".
  const listed = new Map<string, Set<string>>();
  for (const { profile } of entries) {
    if (!profile || (only !== undefined && profile.provider !== only)) continue;
    const set = listed.get(profile.provider) ?? new Set<string>();
    for (const b of profile.buckets) set.add(b);
    listed.set(profile.provider, set);
  }
  const services = await createServices(factory);
  let report: StatusReport;
  try {
    report = await services.manager.status(
      only,
      only ? { buckets: [...(listed.get(only) ?? [])] } : {},
    );
    if (only === undefined) {
      const seen = new Set(report.buckets.map((b) => b.provider));
      for (const [provider, buckets] of listed) {
        if (seen.has(provider)) {
          const extra = await services.manager.status(provider, { buckets: [...buckets] });
          report.buckets = report.buckets
            .filter((b) => b.provider !== provider)
            .concat(extra.buckets);
        } else {
          report.buckets.push(
            ...(await services.manager.status(provider, { buckets: [...buckets] })).buckets,
          );
        }
      }
    }
  } finally {
    services.dispose();
  }
  const preferred = settings.preferredBuckets ?? {};
  // A store that did not answer cannot say who is logged in: that is the finding, not "nobody".
  const outage = services.outage;
  if (outage && !report.error) {
    report.error = { code: outage.code, message: outage.message, remediation: outage.remediation };
  }
  if (options.json) {
    factory.out.json({
      store: { ...report.store, reason: services.storeReason },
      buckets: report.buckets.map((b) => ({ ...b, preferred: preferred[b.provider] === b.bucket })),
      ...(report.error ? { error: report.error } : {}),
    });
    return report.error ? EXIT_FAILURE : undefined;
  }
  printStatus(factory, report, preferred, services.storeReason);
  return report.error ? EXIT_FAILURE : undefined;
}

function state(b: BucketStatus): string {
  if (b.error) return `error: ${b.error.code}`;
  if (!b.authenticated) return 'not logged in';
  if (b.needsLogin) return 'needs login';
  return 'logged in';
}

function printStatus(
  factory: Factory,
  report: StatusReport,
  preferred: Record<string, string>,
  reason: string,
): void {
  const { out, clock } = factory;
  const now = clock.now();
  out.info(`tokens: ${report.store.durability}; ${protectionNote(report.store.protection)}`);
  out.note(`  (${reason})`);
  if (report.error) {
    out.failure(report.error.message);
    out.info(`  Next: ${report.error.remediation}`);
    return;
  }
  if (report.buckets.length === 0) {
    out.info('no buckets are logged in');
    out.note('  log one in: baton auth login PROVIDER --bucket NAME');
    return;
  }
  const rows = [['PROVIDER', 'BUCKET', 'KIND', 'STATE', 'EXPIRES', 'COOLDOWN', 'RENEWAL']];
  for (const b of [...report.buckets].sort((x, y) => x.provider.localeCompare(y.provider))) {
    rows.push([
      b.provider,
      `${b.bucket}${preferred[b.provider] === b.bucket ? ' (switched)' : ''}`,
      b.kind ?? '-',
      state(b),
      b.kind === 'api-key'
        ? 'never'
        : b.expiresAt !== undefined
          ? formatRetryTime(b.expiresAt, now)
          : '-',
      b.coolingUntil !== undefined && b.coolingUntil > now
        ? `${b.coolingReason ?? 'cooling'} until ${formatRetryTime(b.coolingUntil, now)}`
        : '-',
      b.renewal.status === 'stopped'
        ? `stopped (${b.renewal.stoppedBecause ?? ''})`
        : b.renewal.status,
    ]);
  }
  for (const line of formatTable(rows)) out.info(line);
  for (const b of report.buckets) {
    if (b.error)
      out.info(`  ${b.provider}/${b.bucket}: ${b.error.message}; ${b.error.remediation}`);
  }
}
