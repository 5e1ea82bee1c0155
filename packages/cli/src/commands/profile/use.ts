// `baton profile use <name>`: makes a (valid) profile the active one in settings.json.
import { loadProfile } from '../../config/profile.js';
import { updateSettings } from '../../config/settings.js';
import type { Factory } from '../factory.js';

export interface ProfileUseOptions {
  factory: Factory;
  name: string;
  json?: boolean;
}

export async function runProfileUse(options: ProfileUseOptions): Promise<void> {
  const { factory, name } = options;
  const profile = await loadProfile(factory.paths, name);
  await updateSettings(factory.paths, (s) => ({ ...s, activeProfile: profile.name }));
  if (options.json) {
    factory.out.json({ activeProfile: profile.name });
    return;
  }
  factory.out.success(`${profile.name} is now the active profile`);
}
