// `baton auth refresh <provider>`: refreshes one bucket's token now (under the cross-process lock).
import { formatRetryTime, validateBucketName, validateProviderName } from '@baton/core';
import { isApiKeyToken } from '../../auth/credential.js';
import { CliError } from '../../ui/errors.js';
import type { Factory } from '../factory.js';
import { createServices, withInterrupt } from '../services.js';
import { DEFAULT_BUCKET } from './login.js';

export interface AuthRefreshOptions {
  factory: Factory;
  provider: string;
  bucket?: string;
  json?: boolean;
}

export async function runAuthRefresh(options: AuthRefreshOptions): Promise<void> {
  const { factory } = options;
  const provider = validateProviderName(options.provider);
  const bucket = validateBucketName(options.bucket ?? DEFAULT_BUCKET);
  const services = await createServices(factory);
  try {
    const stored = await services.manager.peekToken(provider, bucket);
    if (stored === null) {
      throw new CliError(`${provider}/${bucket} is not logged in`, {
        next: `run \`baton auth login ${provider} --bucket ${bucket}\``,
      });
    }
    if (isApiKeyToken(stored)) {
      throw new CliError(`${provider}/${bucket} holds an API key, which never needs a refresh`, {
        next: `to replace it, run \`baton auth login ${provider} --bucket ${bucket} --api-key\``,
      });
    }
    const token = await withInterrupt((signal) =>
      services.manager.forceRefresh(provider, bucket, stored.access_token, { signal }),
    );
    const expiresAt = typeof token.expiry === 'number' ? token.expiry * 1000 : undefined;
    if (options.json) {
      factory.out.json({
        provider,
        bucket,
        refreshed: true,
        ...(expiresAt ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
      });
      return;
    }
    const until = expiresAt
      ? `, valid until ${formatRetryTime(expiresAt, factory.clock.now())}`
      : '';
    factory.out.success(`refreshed ${provider}/${bucket}${until}`);
  } finally {
    services.dispose();
  }
}
