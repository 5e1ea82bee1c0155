// `baton profile create <name>`: writes a new profile file after validating every field; the first
// profile becomes the active one.
import { checkProfileName, parseProfile, readProfile, saveProfile } from '../../config/profile.js';
import { resolveProviderConfig } from '../../config/provider-registry.js';
import { retiredPresetMessage } from '../../auth/flows/index.js';
import { readSettings, updateSettings } from '../../config/settings.js';
import { CliError } from '../../ui/errors.js';
import type { Factory } from '../factory.js';
import { describeProfile } from './describe.js';

export interface ProfileCreateOptions {
  factory: Factory;
  name: string;
  provider: string;
  model: string;
  buckets: readonly string[];
  baseUrl?: string;
  json?: boolean;
}

export const DEFAULT_BUCKET = 'default';

export async function runProfileCreate(options: ProfileCreateOptions): Promise<void> {
  const { factory } = options;
  checkProfileName(options.name);
  const profile = parseProfile({
    name: options.name,
    provider: options.provider,
    model: options.model,
    buckets: options.buckets.length > 0 ? [...options.buckets] : [DEFAULT_BUCKET],
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
  });
  // Unknown providers fail now rather than at the first request; retired ones still take API keys.
  resolveProviderConfig(profile.provider, factory.paths, { allowRetired: true });
  if (await readProfile(factory.paths, profile.name)) {
    throw new CliError(`a profile named "${profile.name}" already exists`, {
      next: `choose another name, or run \`baton profile delete ${profile.name}\` first`,
    });
  }
  const settings = await readSettings(factory.paths);
  const file = await saveProfile(factory.paths, profile);
  const becameActive = settings.activeProfile === undefined;
  if (becameActive)
    await updateSettings(factory.paths, (s) => ({ ...s, activeProfile: profile.name }));

  if (options.json) {
    factory.out.json({
      ...profile,
      file,
      active: becameActive || settings.activeProfile === profile.name,
    });
    return;
  }
  factory.out.success(`created profile ${profile.name}: ${describeProfile(profile)}`);
  if (becameActive) factory.out.note(`  ${profile.name} is now the active profile`);
  if (retiredPresetMessage(profile.provider)) {
    factory.out.warn(
      `the ${profile.provider} login is retired: its buckets need API keys (--api-key)`,
    );
  }
  factory.out.note(`  next: baton auth login ${profile.provider} --bucket ${profile.buckets[0]}`);
}
