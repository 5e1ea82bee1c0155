// `baton auth migrate-store --to file|keychain`: moves every bucket to the other backend and, when
// all of them made it, makes it the backend baton uses from now on. Nothing is lost on failure.
import { migrateStore, STORE_CHOICES } from '../../auth/storage/index.js';
import { CliError, UsageError } from '../../ui/errors.js';
import type { Factory } from '../factory.js';

export interface MigrateStoreCommandOptions {
  factory: Factory;
  to: string;
  json?: boolean;
}

export async function runMigrateStore(options: MigrateStoreCommandOptions): Promise<void> {
  const { factory } = options;
  if (options.to !== 'file' && options.to !== 'keychain') {
    throw new UsageError(`--to must be file or keychain, not ${JSON.stringify(options.to)}`, {
      next: 'baton auth migrate-store --to file',
    });
  }
  if (
    factory.env.BATON_STORE &&
    STORE_CHOICES.includes(factory.env.BATON_STORE as never) &&
    factory.env.BATON_STORE !== 'auto'
  ) {
    factory.out.warn(
      `BATON_STORE=${factory.env.BATON_STORE} is set: it overrides the recorded backend until you unset it`,
    );
  }
  const result = await migrateStore({ to: options.to, env: factory.env, clock: factory.clock });
  if (options.json) {
    factory.out.json({
      from: result.from,
      to: result.to,
      moved: result.moved,
      failed: result.failed.map(({ provider, bucket, stage, message }) => ({
        provider,
        bucket,
        stage,
        message,
      })),
      sourceRemoved: result.sourceRemoved,
      recordUpdated: result.recordUpdated,
    });
  } else {
    for (const m of result.moved)
      factory.out.success(`moved ${m.provider}/${m.bucket} to ${result.to}`);
    for (const f of result.failed)
      factory.out.failure(`${f.provider}/${f.bucket}: ${f.stage} failed: ${f.message}`);
  }
  if (result.failed.length > 0) {
    throw new CliError(
      `${result.failed.length} bucket(s) could not be moved; nothing was removed from ${result.from}`,
      {
        next: 'fix the problems above (baton doctor helps) and run the migration again',
      },
    );
  }
  if (!options.json) {
    factory.out.info(
      result.moved.length === 0
        ? `nothing to move; baton now keeps tokens in ${result.to === 'file' ? 'encrypted files' : 'the OS keychain'}`
        : `baton now keeps tokens in ${result.to === 'file' ? 'encrypted files' : 'the OS keychain'}`,
    );
  }
}
