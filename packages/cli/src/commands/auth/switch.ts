// `baton auth switch <provider> <bucket>`: the bucket the next `ask` (and the first turn of `chat`)
// starts from, kept in settings.json until another switch. Failover still moves on from it.
import { validateBucketName, validateProviderName } from '@baton/core';
import { updateSettings } from '../../config/settings.js';
import { CliError } from '../../ui/errors.js';
import type { Factory } from '../factory.js';
import { createServices } from '../services.js';

export interface AuthSwitchOptions {
  factory: Factory;
  provider: string;
  bucket: string;
  json?: boolean;
}

export async function runAuthSwitch(options: AuthSwitchOptions): Promise<void> {
  const { factory } = options;
  const provider = validateProviderName(options.provider);
  const bucket = validateBucketName(options.bucket);
  const services = await createServices(factory);
  try {
    if ((await services.manager.peekToken(provider, bucket)) === null) {
      throw new CliError(`${provider}/${bucket} is not logged in`, {
        next: `run \`baton auth login ${provider} --bucket ${bucket}\` first`,
      });
    }
  } finally {
    services.dispose();
  }
  await updateSettings(factory.paths, (s) => ({
    ...s,
    preferredBuckets: { ...s.preferredBuckets, [provider]: bucket },
  }));
  if (options.json) factory.out.json({ provider, bucket });
  else factory.out.success(`${provider} requests start from bucket ${bucket}`);
}
