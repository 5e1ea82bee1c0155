// Where baton keeps its files: the config dir and the data dir (env-paths, no suffix), each
// overridable by BATON_CONFIG_DIR / BATON_DATA_DIR (tests always point these at temp dirs).
import path from 'node:path';
import envPaths from 'env-paths';

export type Env = Readonly<Record<string, string | undefined>>;

export interface BatonPaths {
  configDir: string;
  dataDir: string;
  /** Encrypted token files (file store). */
  tokensDir: string;
  /** One lock file per provider:bucket. */
  locksDir: string;
  /** The cooldown ledger. */
  cooldownsFile: string;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value !== undefined && value.trim() !== '' ? value : undefined;

export function configDir(env: Env = process.env): string {
  return path.resolve(nonEmpty(env.BATON_CONFIG_DIR) ?? envPaths('baton', { suffix: '' }).config);
}

export function dataDir(env: Env = process.env): string {
  return path.resolve(nonEmpty(env.BATON_DATA_DIR) ?? envPaths('baton', { suffix: '' }).data);
}

export function resolvePaths(env: Env = process.env): BatonPaths {
  const data = dataDir(env);
  return {
    configDir: configDir(env),
    dataDir: data,
    tokensDir: path.join(data, 'tokens'),
    locksDir: path.join(data, 'locks'),
    cooldownsFile: path.join(data, 'cooldowns.json'),
  };
}
