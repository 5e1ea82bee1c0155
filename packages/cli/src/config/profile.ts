// Profiles: a named choice of provider, model and ordered buckets, one JSON file per profile in
// `<configDir>/profiles/`. Read with the field at fault named; never rewritten after a bad read.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { NAME_RULE, isValidBucketName, isValidProviderName } from '@baton/core';
import type { BatonPaths } from '../paths.js';
import { isTempFile, readJsonFile, writeJsonFile, JsonFileError } from '../util/atomic-write.js';
import { CliError, UsageError } from '../ui/errors.js';

/** Profile names become file names: no dots or dashes first, no separators. */
export const PROFILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const PROFILE_NAME_RULE = 'letters, digits, _ and - (not first), 1 to 64 characters';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const ProfileSchema = z
  .strictObject({
    name: z.string().regex(PROFILE_NAME_PATTERN, PROFILE_NAME_RULE),
    provider: z.string().refine(isValidProviderName, `provider names: ${NAME_RULE}`),
    model: z.string().trim().min(1, 'must name a model'),
    buckets: z
      .array(
        z
          .string()
          .refine(
            isValidBucketName,
            `bucket names: ${NAME_RULE}; not login, logout, status, switch or all`,
          ),
      )
      .min(1, 'list at least one bucket'),
    baseUrl: httpUrl.optional(),
  })
  .superRefine((profile, ctx) => {
    const seen = new Set<string>();
    profile.buckets.forEach((bucket, index) => {
      if (seen.has(bucket)) {
        ctx.addIssue({
          code: 'custom',
          path: ['buckets', index],
          message: `bucket "${bucket}" is listed twice`,
        });
      }
      seen.add(bucket);
    });
  });

export type Profile = z.output<typeof ProfileSchema>;

export const profilesDir = (paths: BatonPaths): string => path.join(paths.configDir, 'profiles');

export function profileFile(paths: BatonPaths, name: string): string {
  checkProfileName(name);
  return path.join(profilesDir(paths), `${name}.json`);
}

/** Rejects names that could not be a profile file (path separators, dots, empty). */
export function checkProfileName(name: string): string {
  if (!PROFILE_NAME_PATTERN.test(name)) {
    throw new UsageError(
      `invalid profile name ${JSON.stringify(name.slice(0, 80))}: ${PROFILE_NAME_RULE}`,
      { next: 'choose a profile name such as "work" or "personal-2"' },
    );
  }
  return name;
}

export class ProfileNotFoundError extends CliError {
  override readonly name = 'ProfileNotFoundError';
  constructor(profileName: string) {
    super(`there is no profile named "${profileName}"`, {
      next: `run \`baton profile list\` to see the profiles, or \`baton profile create ${profileName} --provider P --model M --bucket B\``,
    });
  }
}

/** Validates a profile object (e.g. built from command-line options); usage errors name the field. */
export function parseProfile(raw: unknown): Profile {
  const result = ProfileSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  throw new UsageError(`invalid profile: ${field}: ${issue?.message ?? 'invalid value'}`, {
    next: 'correct that option and run the command again',
  });
}

/** The profile, or undefined when there is no such file. A broken file throws JsonFileError. */
export async function readProfile(paths: BatonPaths, name: string): Promise<Profile | undefined> {
  const file = profileFile(paths, name);
  const profile = await readJsonFile(file, ProfileSchema);
  if (profile && profile.name !== name) {
    throw new JsonFileError(
      `${file}: field name: says "${profile.name}" but the file is named "${name}.json"`,
      file,
      'schema',
      'name',
    );
  }
  return profile;
}

export async function loadProfile(paths: BatonPaths, name: string): Promise<Profile> {
  const profile = await readProfile(paths, name);
  if (!profile) throw new ProfileNotFoundError(name);
  return profile;
}

export async function saveProfile(paths: BatonPaths, profile: Profile): Promise<string> {
  const file = profileFile(paths, profile.name);
  await writeJsonFile(file, ProfileSchema.parse(profile));
  return file;
}

/** Removes the profile file; false when there was none. */
export async function deleteProfile(paths: BatonPaths, name: string): Promise<boolean> {
  try {
    await fs.unlink(profileFile(paths, name));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export type ProfileListEntry =
  | { name: string; profile: Profile; error?: undefined }
  | { name: string; error: JsonFileError; profile?: undefined };

/** Every profile file, sorted by name; a broken one is listed with its error, not skipped. */
export async function listProfiles(paths: BatonPaths): Promise<ProfileListEntry[]> {
  let names: string[];
  try {
    names = await fs.readdir(profilesDir(paths));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: ProfileListEntry[] = [];
  for (const file of names.sort()) {
    if (!file.endsWith('.json') || isTempFile(file)) continue;
    const name = file.slice(0, -'.json'.length);
    if (!PROFILE_NAME_PATTERN.test(name)) continue;
    try {
      const profile = await readProfile(paths, name);
      if (profile) entries.push({ name, profile });
    } catch (error) {
      if (!(error instanceof JsonFileError)) throw error;
      entries.push({ name, error });
    }
  }
  return entries;
}
