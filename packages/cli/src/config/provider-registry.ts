// Which OAuth server a provider name means: a custom provider file in `<configDir>/providers/`
// (any OAuth 2.0 / OIDC server; the demo and the tests use these) or a built-in preset. Synchronous,
// so the OAuthManager can look providers up from a plain callback.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { validateProviderName } from '@baton/core';
import {
  CustomProviderSchema,
  PROVIDER_PRESETS,
  isPresetName,
  presetConfig,
  retiredPresetMessage,
  type CustomProviderInput,
  type ProviderConfig,
} from '../auth/flows/index.js';
import type { BatonPaths } from '../paths.js';
import { JsonFileError, isTempFile, writeJsonFile } from '../util/atomic-write.js';
import { CliError } from '../ui/errors.js';

export const providersDir = (paths: BatonPaths): string => path.join(paths.configDir, 'providers');

export const customProviderFile = (paths: BatonPaths, name: string): string =>
  path.join(providersDir(paths), `${validateProviderName(name)}.json`);

export class UnknownProviderError extends CliError {
  override readonly name = 'UnknownProviderError';
  constructor(provider: string, paths: BatonPaths) {
    super(`unknown provider "${provider}"`, {
      next: `use one of ${activePresetNames().join(', ')}, or describe your OAuth server in ${customProviderFile(paths, provider)}`,
    });
  }
}

export class RetiredProviderError extends CliError {
  override readonly name = 'RetiredProviderError';
  constructor(provider: string, why: string) {
    // The preset's message already names the API-key login that still works.
    super(why.replace(/\.$/, ''), {
      next: `log a bucket in with an API key: \`baton auth login ${provider} --bucket B --api-key\``,
    });
  }
}

export interface ResolveOptions {
  /** API-key buckets of a retired preset still work (the wire and base URL are unchanged). */
  allowRetired?: boolean;
}

export function activePresetNames(): string[] {
  return Object.keys(PROVIDER_PRESETS).filter((name) => retiredPresetMessage(name) === undefined);
}

/** The provider's config: a custom file wins over a preset of the same name. */
export function resolveProviderConfig(
  name: string,
  paths: BatonPaths,
  options: ResolveOptions = {},
): ProviderConfig {
  const custom = readCustomProvider(paths, name);
  if (custom) return custom;
  if (!isPresetName(name)) throw new UnknownProviderError(name, paths);
  const retired = retiredPresetMessage(name);
  if (retired && !options.allowRetired) throw new RetiredProviderError(name, retired);
  return presetConfig(name);
}

/** A custom provider file, validated; undefined when there is none. */
export function readCustomProvider(paths: BatonPaths, name: string): ProviderConfig | undefined {
  const file = customProviderFile(paths, name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new JsonFileError(`cannot read ${file}: ${(error as Error).message}`, file, 'io');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new JsonFileError(
      `${file} is not valid JSON: ${(error as Error).message}`,
      file,
      'syntax',
    );
  }
  const result = CustomProviderSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new JsonFileError(
      `${file}: field ${field}: ${issue?.message ?? 'invalid value'}`,
      file,
      'schema',
      field,
    );
  }
  if (result.data.name !== name) {
    throw new JsonFileError(
      `${file}: field name: says "${result.data.name}" but the file is named "${name}.json"`,
      file,
      'schema',
      'name',
    );
  }
  return result.data;
}

/** Writes a custom provider file (the demo, the smoke script and tests describe testkit this way). */
export async function saveCustomProvider(
  paths: BatonPaths,
  provider: CustomProviderInput,
): Promise<string> {
  const parsed = CustomProviderSchema.parse(provider);
  const file = customProviderFile(paths, parsed.name);
  await writeJsonFile(file, provider);
  return file;
}

/** Names of the custom provider files present (valid or not), sorted. */
export function listCustomProviderNames(paths: BatonPaths): string[] {
  try {
    return readdirSync(providersDir(paths))
      .filter((file) => file.endsWith('.json') && !isTempFile(file))
      .map((file) => file.slice(0, -'.json'.length))
      .sort();
  } catch {
    return [];
  }
}
