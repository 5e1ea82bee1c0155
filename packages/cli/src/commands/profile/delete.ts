// `baton profile delete <name>`: removes the profile file (tokens stay: buckets belong to the
// provider, not to the profile); clears the active profile if it was this one.
import { checkProfileName, deleteProfile, ProfileNotFoundError } from '../../config/profile.js';
import { readSettings, updateSettings } from '../../config/settings.js';
import type { Factory } from '../factory.js';

export interface ProfileDeleteOptions {
  factory: Factory;
  name: string;
  json?: boolean;
}

export async function runProfileDelete(options: ProfileDeleteOptions): Promise<void> {
  const { factory, name } = options;
  checkProfileName(name);
  // Settings are read first so that a broken settings file stops us before anything changes.
  const wasActive = (await readSettings(factory.paths)).activeProfile === name;
  if (!(await deleteProfile(factory.paths, name))) throw new ProfileNotFoundError(name);
  if (wasActive) {
    await updateSettings(factory.paths, ({ activeProfile: _dropped, ...rest }) => rest);
  }
  if (options.json) {
    factory.out.json({ deleted: name, wasActive });
    return;
  }
  factory.out.success(`deleted profile ${name}`);
  if (wasActive)
    factory.out.note('  no profile is active now: pick one with `baton profile use NAME`');
  factory.out.note(
    '  its buckets stay logged in; remove them with `baton auth logout PROVIDER --bucket B`',
  );
}
