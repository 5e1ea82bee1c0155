// `baton auth logout <provider>`: revokes at the provider when it can (best effort) and always
// removes the local credential, for one bucket or all of them.
import { validateBucketName, validateProviderName } from '@baton/core';
import { UsageError } from '../../ui/errors.js';
import type { Factory } from '../factory.js';
import { createServices, withInterrupt } from '../services.js';
import { DEFAULT_BUCKET } from './login.js';

export interface AuthLogoutOptions {
  factory: Factory;
  provider: string;
  bucket?: string;
  all?: boolean;
  json?: boolean;
}

export async function runAuthLogout(options: AuthLogoutOptions): Promise<void> {
  const { factory } = options;
  const provider = validateProviderName(options.provider);
  if (options.all && options.bucket !== undefined) {
    throw new UsageError('give either --bucket or --all, not both', {
      next: `\`baton auth logout ${provider} --all\` logs out every bucket`,
    });
  }
  const target = options.all
    ? ({ all: true } as const)
    : validateBucketName(options.bucket ?? DEFAULT_BUCKET);
  const services = await createServices(factory);
  try {
    const result = await withInterrupt((signal) =>
      services.manager.logout(provider, target, { signal }),
    );
    if (options.json) {
      factory.out.json({ provider, ...result });
      return;
    }
    if (result.removed.length === 0) {
      factory.out.info(
        `nothing was stored for ${provider}${typeof target === 'string' ? `/${target}` : ''}`,
      );
      return;
    }
    for (const bucket of result.removed) {
      const revoked = result.revoked.includes(bucket) ? ' (revoked at the provider)' : '';
      factory.out.success(`logged out ${provider}/${bucket}${revoked}`);
    }
  } finally {
    services.dispose();
  }
}
