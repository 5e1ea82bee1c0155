// `baton auth login <provider>`: runs the provider's login for one bucket and stores the token
// there, or stores an API key read from stdin or a hidden prompt (never from argv).
import { validateBucketName, validateProviderName } from '@baton/core';
import { resolveProviderConfig } from '../../config/provider-registry.js';
import type { Factory } from '../factory.js';
import { createServices, withInterrupt } from '../services.js';
import type { LoginRunnerOptions } from './login-runner.js';
import { readApiKey } from './api-key.js';

export const DEFAULT_BUCKET = 'default';

export interface AuthLoginOptions {
  factory: Factory;
  provider: string;
  bucket?: string;
  browser?: boolean;
  device?: boolean;
  apiKey?: boolean;
  json?: boolean;
  /** Device-flow poll interval instead of the server's (tests). */
  intervalMs?: number;
  /** Called with each device code after it is shown (tests approve it here, as the demo does). */
  onDeviceCode?: LoginRunnerOptions['onDeviceCode'];
}

export async function runAuthLogin(options: AuthLoginOptions): Promise<void> {
  const { factory } = options;
  const provider = validateProviderName(options.provider);
  const bucket = validateBucketName(options.bucket ?? DEFAULT_BUCKET);
  // A retired preset still takes API keys; its OAuth login says why it is gone.
  resolveProviderConfig(provider, factory.paths, { allowRetired: options.apiKey === true });
  const services = await createServices(factory, {
    login: {
      browser: options.browser !== false,
      forceDevice: options.device === true,
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      ...(options.onDeviceCode ? { onDeviceCode: options.onDeviceCode } : {}),
    },
  });
  try {
    if (options.apiKey) {
      const key = await readApiKey(factory, `${provider}/${bucket}`);
      await services.manager.saveApiKey(provider, bucket, key);
      if (options.json) factory.out.json({ provider, bucket, kind: 'api-key' });
      else factory.out.success(`stored an API key for ${provider}/${bucket}`);
      return;
    }
    const token = await withInterrupt((signal) =>
      services.manager.authenticate(provider, bucket, { signal, force: true }),
    );
    const expiresAt = typeof token.expiry === 'number' ? token.expiry * 1000 : undefined;
    if (options.json) {
      factory.out.json({
        provider,
        bucket,
        kind: 'oauth',
        ...(expiresAt ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
      });
      return;
    }
    factory.out.note(`  tokens are in ${services.store.describe().durability}`);
  } finally {
    services.dispose();
  }
}
