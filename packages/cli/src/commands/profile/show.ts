// `baton profile show [name]`: one profile in full (the active one when no name is given).
import { resolveProfile } from '../../config/active-profile.js';
import { profileFile } from '../../config/profile.js';
import { readSettings } from '../../config/settings.js';
import type { Factory } from '../factory.js';

export interface ProfileShowOptions {
  factory: Factory;
  name?: string;
  json?: boolean;
}

export async function runProfileShow(options: ProfileShowOptions): Promise<void> {
  const { factory } = options;
  const profile = await resolveProfile(factory, options.name);
  const active = (await readSettings(factory.paths)).activeProfile === profile.name;
  const file = profileFile(factory.paths, profile.name);
  if (options.json) {
    factory.out.json({ ...profile, active, file });
    return;
  }
  const { out } = factory;
  out.info(`${out.colors.bold(profile.name)}${active ? ' (active)' : ''}`);
  out.info(`  provider  ${profile.provider}`);
  out.info(`  model     ${profile.model}`);
  out.info(`  buckets   ${profile.buckets.join(', ')}  (tried in this order)`);
  if (profile.baseUrl) out.info(`  base URL  ${profile.baseUrl}`);
  out.info(`  file      ${file}`);
}
