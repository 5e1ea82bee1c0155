// `<configDir>/settings.json`: the active profile and room for later options. Unknown keys are
// kept on a rewrite, and a file that cannot be read is reported, never replaced.
import path from 'node:path';
import { z } from 'zod';
import type { BatonPaths } from '../paths.js';
import { readJsonFile, writeJsonFile } from '../util/atomic-write.js';
import { PROFILE_NAME_PATTERN, PROFILE_NAME_RULE } from './profile.js';

export const SettingsSchema = z.looseObject({
  activeProfile: z.string().regex(PROFILE_NAME_PATTERN, PROFILE_NAME_RULE).optional(),
  /** `baton auth switch`: the bucket each provider's next request starts from. */
  preferredBuckets: z.record(z.string(), z.string()).optional(),
});

export type Settings = z.output<typeof SettingsSchema>;

export const settingsFile = (paths: BatonPaths): string =>
  path.join(paths.configDir, 'settings.json');

export async function readSettings(paths: BatonPaths): Promise<Settings> {
  return (await readJsonFile(settingsFile(paths), SettingsSchema)) ?? {};
}

/** Read, change, write: the read fails (and nothing is written) when the file is broken. */
export async function updateSettings(
  paths: BatonPaths,
  change: (current: Settings) => Settings,
): Promise<Settings> {
  const next = SettingsSchema.parse(change(await readSettings(paths)));
  await writeJsonFile(settingsFile(paths), next);
  return next;
}
