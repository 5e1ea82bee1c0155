// `baton profile list`: every profile with its provider, model and buckets; the active one marked.
// A file that cannot be read is listed with the reason (and the exit code says something is wrong).
import { listProfiles } from '../../config/profile.js';
import { readSettings } from '../../config/settings.js';
import { EXIT_FAILURE, type ExitCode } from '../../ui/errors.js';
import { formatTable } from '../../ui/output.js';
import type { Factory } from '../factory.js';

export interface ProfileListOptions {
  factory: Factory;
  json?: boolean;
}

export async function runProfileList(options: ProfileListOptions): Promise<ExitCode | void> {
  const { factory } = options;
  const { out } = factory;
  const [entries, settings] = await Promise.all([
    listProfiles(factory.paths),
    readSettings(factory.paths),
  ]);
  const broken = entries.filter((e) => e.error);
  if (options.json) {
    out.json({
      activeProfile: settings.activeProfile ?? null,
      profiles: entries.map((e) =>
        e.error
          ? { name: e.name, error: { message: e.error.message, field: e.error.field ?? null } }
          : { ...e.profile, active: e.name === settings.activeProfile },
      ),
    });
    return broken.length > 0 ? EXIT_FAILURE : undefined;
  }
  if (entries.length === 0) {
    out.info('no profiles yet');
    out.note('  create one: baton profile create work --provider anthropic --model M --bucket a');
    return;
  }
  const rows = [['', 'NAME', 'PROVIDER', 'MODEL', 'BUCKETS']];
  for (const e of entries) {
    if (e.profile) {
      rows.push([
        e.name === settings.activeProfile ? '*' : '',
        e.name,
        e.profile.provider,
        e.profile.model,
        e.profile.buckets.join(', '),
      ]);
    }
  }
  for (const line of formatTable(rows)) out.info(line);
  for (const e of broken) out.failure(`${e.name}: ${e.error?.message ?? ''}`);
  if (broken.length > 0) {
    out.info('  Next: fix those files by hand or delete them (baton never overwrites them)');
    return EXIT_FAILURE;
  }
}
