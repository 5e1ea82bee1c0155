// The TokenStore contract every backend (OS keychain, encrypted file, memory) implements, and the
// typed TokenStoreError whose code says what the user must do. A store outage is never "no token".
import type { OAuthToken } from './token.js';

export type StoreBackend = 'keychain' | 'file' | 'memory';

/** What `baton doctor` and `auth status` show about where tokens live. */
export interface StoreDescription {
  backend: StoreBackend;
  /** e.g. "OS keychain (Secret Service)", "encrypted files under the data dir", "process memory only". */
  durability: string;
  /** e.g. "OS keychain", "encrypted, machine-bound key", "encrypted, passphrase", "none". */
  protection: string;
}

export interface TokenStore {
  /** The stored token, or null when there is none. Throws TokenStoreError for outages or corruption. */
  get(provider: string, bucket: string): Promise<OAuthToken | null>;
  save(provider: string, bucket: string, token: OAuthToken): Promise<void>;
  /** True when something was removed. */
  remove(provider: string, bucket: string): Promise<boolean>;
  /** Bucket names stored for the provider, sorted. */
  listBuckets(provider: string): Promise<string[]>;
  /** Provider names with at least one stored bucket, sorted. */
  listProviders(): Promise<string[]>;
  describe(): StoreDescription;
}

export const TOKEN_STORE_ERROR_CODES = [
  'UNAVAILABLE',
  'LOCKED',
  'DENIED',
  'CORRUPT',
  'TIMEOUT',
] as const;

export type TokenStoreErrorCode = (typeof TOKEN_STORE_ERROR_CODES)[number];

/** One line per code telling a person what to do next. */
export const TOKEN_STORE_REMEDIATIONS: Readonly<Record<TokenStoreErrorCode, string>> = {
  UNAVAILABLE:
    'No usable OS keychain: start a Secret Service (e.g. gnome-keyring) or set BATON_STORE=file to use the encrypted file store.',
  LOCKED:
    'The keychain is locked: unlock it (log in to your desktop session or unlock the keyring), then retry.',
  DENIED:
    'The keychain denied access: allow baton in the keychain prompt or its access settings, then retry.',
  CORRUPT:
    'The stored token cannot be read: log in again to replace it (the unreadable entry is kept, not deleted).',
  TIMEOUT:
    'The keychain did not answer in time: check for a pending unlock prompt, or set BATON_STORE=file.',
};

export interface TokenStoreErrorOptions {
  provider?: string;
  bucket?: string;
  backend?: StoreBackend;
  cause?: unknown;
  /** Overrides the default remediation for the code (e.g. to name the login command). */
  remediation?: string;
}

/**
 * A store failure the user must act on. The message names the provider/bucket and the cause but
 * never a secret; `remediation` is a one-line next step.
 */
export class TokenStoreError extends Error {
  override readonly name = 'TokenStoreError';
  readonly code: TokenStoreErrorCode;
  readonly remediation: string;
  readonly provider?: string;
  readonly bucket?: string;
  readonly backend?: StoreBackend;

  constructor(code: TokenStoreErrorCode, message: string, options: TokenStoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.remediation = options.remediation ?? defaultRemediation(code, options);
    if (options.provider !== undefined) this.provider = options.provider;
    if (options.bucket !== undefined) this.bucket = options.bucket;
    if (options.backend !== undefined) this.backend = options.backend;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      remediation: this.remediation,
      provider: this.provider,
      bucket: this.bucket,
      backend: this.backend,
    };
  }
}

function defaultRemediation(code: TokenStoreErrorCode, options: TokenStoreErrorOptions): string {
  if (code === 'CORRUPT' && options.provider !== undefined && options.bucket !== undefined) {
    return `The stored token cannot be read: run \`baton auth login ${options.provider} --bucket ${options.bucket}\` to replace it (the unreadable entry is kept, not deleted).`;
  }
  return TOKEN_STORE_REMEDIATIONS[code];
}

export function isTokenStoreError(
  error: unknown,
  code?: TokenStoreErrorCode,
): error is TokenStoreError {
  return error instanceof TokenStoreError && (code === undefined || error.code === code);
}
