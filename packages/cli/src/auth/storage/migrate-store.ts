// Moving every bucket from one token backend to the other (`baton auth migrate-store --to ...`).
// Nothing is deleted until every copy was written and read back equal; any failure leaves both
// backends and the recorded choice as they were, apart from verified copies in the target.
import { isDeepStrictEqual } from 'node:util';
import { systemClock, type Clock, type OAuthToken, type TokenStore } from '@baton/core';
import { resolvePaths, type Env } from '../../paths.js';
import { writeBackendRecord } from './backend-record.js';
import { fileStoreFor, type PersistentBackend } from './create-token-store.js';
import { createKeychain, type Keychain } from './keychain.js';
import { KeychainTokenStore } from './keychain-token-store.js';

export interface BucketRef {
  provider: string;
  bucket: string;
}

export type MigrationStage = 'list' | 'read' | 'conflict' | 'write' | 'verify' | 'remove';

export interface MigrationFailure extends BucketRef {
  stage: MigrationStage;
  /** What went wrong, without any secret (store errors never carry one). */
  message: string;
  error: unknown;
}

export interface MigrationResult {
  /** Buckets now in the target (written and read back equal). */
  moved: BucketRef[];
  /** Buckets that could not be moved, and why; when any, nothing was removed from the source. */
  failed: MigrationFailure[];
  /** Whether the source entries of the moved buckets were removed. */
  sourceRemoved: boolean;
}

export interface MigrateTokenStoreOptions {
  from: TokenStore;
  to: TokenStore;
  /** Remove the source entries once every bucket is safely in the target (default true). */
  removeSource?: boolean;
  /** Runs after every copy is verified and before anything is removed (e.g. record the choice). */
  beforeRemove?: () => Promise<void>;
}

const failure = (ref: BucketRef, stage: MigrationStage, error: unknown): MigrationFailure => ({
  ...ref,
  stage,
  message: error instanceof Error ? error.message : String(error),
  error,
});

async function listAll(store: TokenStore): Promise<BucketRef[]> {
  const refs: BucketRef[] = [];
  for (const provider of await store.listProviders()) {
    for (const bucket of await store.listBuckets(provider)) refs.push({ provider, bucket });
  }
  return refs;
}

/** Copies one bucket and reads it back; a different token already in the target is a conflict. */
async function copyOne(
  from: TokenStore,
  to: TokenStore,
  ref: BucketRef,
): Promise<MigrationFailure | undefined> {
  let token: OAuthToken | null;
  try {
    token = await from.get(ref.provider, ref.bucket);
  } catch (error) {
    return failure(ref, 'read', error);
  }
  if (token === null) return failure(ref, 'read', new Error('the entry vanished while migrating'));
  try {
    const existing = await to.get(ref.provider, ref.bucket);
    if (existing !== null && !isDeepStrictEqual(existing, token)) {
      return failure(
        ref,
        'conflict',
        new Error(
          `the target already holds a different token for ${ref.provider}/${ref.bucket}; remove one of them first`,
        ),
      );
    }
    if (existing === null) await to.save(ref.provider, ref.bucket, token);
  } catch (error) {
    return failure(ref, 'write', error);
  }
  try {
    const back = await to.get(ref.provider, ref.bucket);
    if (!isDeepStrictEqual(back, token))
      throw new Error('the target returned something else than was written');
  } catch (error) {
    return failure(ref, 'verify', error);
  }
  return undefined;
}

/** Moves every bucket of `from` into `to`; see the file comment for the order of steps. */
export async function migrateTokenStore(
  options: MigrateTokenStoreOptions,
): Promise<MigrationResult> {
  const { from, to } = options;
  let refs: BucketRef[];
  try {
    refs = await listAll(from);
  } catch (error) {
    return {
      moved: [],
      failed: [failure({ provider: '*', bucket: '*' }, 'list', error)],
      sourceRemoved: false,
    };
  }
  const moved: BucketRef[] = [];
  const failed: MigrationFailure[] = [];
  for (const ref of refs) {
    const problem = await copyOne(from, to, ref);
    if (problem) failed.push(problem);
    else moved.push(ref);
  }
  if (failed.length > 0 || options.removeSource === false)
    return { moved, failed, sourceRemoved: false };
  await options.beforeRemove?.();
  for (const ref of moved) {
    try {
      await from.remove(ref.provider, ref.bucket);
    } catch (error) {
      failed.push(failure(ref, 'remove', error));
    }
  }
  return { moved, failed, sourceRemoved: true };
}

export interface MigrateStoreOptions {
  to: PersistentBackend;
  env?: Env;
  clock?: Clock;
  keychain?: Keychain;
  /** Keychain service (default `baton`; tests use their own). */
  keychainService?: string;
}

export interface StoreMigration extends MigrationResult {
  from: PersistentBackend;
  to: PersistentBackend;
  /** Whether the sticky choice now names `to` (only when every bucket moved). */
  recordUpdated: boolean;
}

/**
 * Moves every bucket from the other backend into `to` and, when all of them made it, records
 * `to` as the backend `auto` uses from now on.
 */
export async function migrateStore(options: MigrateStoreOptions): Promise<StoreMigration> {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const keychainStore = new KeychainTokenStore({
    ...(options.keychainService ? { service: options.keychainService } : {}),
    keychain:
      options.keychain ??
      createKeychain({ clock, ...(env === process.env ? {} : { env: { ...env } }) }),
  });
  const fileStore = fileStoreFor(env);
  const fromBackend: PersistentBackend = options.to === 'file' ? 'keychain' : 'file';
  const [from, to] =
    options.to === 'file' ? [keychainStore, fileStore] : [fileStore, keychainStore];
  let recordUpdated = false;
  const record = async (): Promise<void> => {
    await writeBackendRecord(resolvePaths(env).dataDir, {
      backend: options.to,
      decidedAt: clock.now(),
      reason: `tokens were moved here from ${fromBackend === 'keychain' ? 'the OS keychain' : 'encrypted files'} by baton auth migrate-store`,
    });
    recordUpdated = true;
  };
  const result = await migrateTokenStore({ from, to, beforeRemove: record });
  if (result.failed.length === 0 && !recordUpdated) await record(); // nothing to move: still switch
  return { ...result, from: fromBackend, to: options.to, recordUpdated };
}
