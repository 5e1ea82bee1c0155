// Which profile a command uses: --profile, else BATON_PROFILE, else the active one in settings.json,
// else the only profile there is. Anything else is a question only the person can answer.
import type { Factory } from '../commands/factory.js';
import { CliError } from '../ui/errors.js';
import { listProfiles, loadProfile, type Profile } from './profile.js';
import { readSettings } from './settings.js';

export async function resolveProfile(factory: Factory, flag: string | undefined): Promise<Profile> {
  const chosen =
    flag ??
    nonEmpty(factory.env.BATON_PROFILE) ??
    (await readSettings(factory.paths)).activeProfile;
  if (chosen !== undefined) return loadProfile(factory.paths, chosen);
  const entries = await listProfiles(factory.paths);
  const only = entries.length === 1 ? entries[0] : undefined;
  if (only) {
    if (only.error) throw only.error;
    return only.profile;
  }
  if (entries.length === 0) {
    throw new CliError('there is no profile yet', {
      next: 'create one: `baton profile create work --provider anthropic --model claude-sonnet-4-5 --bucket a`',
    });
  }
  throw new CliError('no profile is active and there are several', {
    next: 'pick one with `baton profile use NAME` or pass --profile NAME',
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}
