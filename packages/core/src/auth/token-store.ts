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
  'KEY_MISMATCH',
] as const;

export type TokenStoreErrorCode = (typeof TOKEN_STORE_ERROR_CODES)[number];

/**
 * Codes after which a login may replace the stored entry. Only CORRUPT: an outage, a lock or a
 * key mismatch hides a good token, and a login then would overwrite it.
 */
export const REAUTH_ELIGIBLE_STORE_CODES: ReadonlySet<TokenStoreErrorCode> = new Set(['CORRUPT']);

/** One line per code telling a person what to do next (keychain and unknown backends). */
export const TOKEN_STORE_REMEDIATIONS: Readonly<Record<TokenStoreErrorCode, string>> = {
  UNAVAILABLE:
    'The OS keychain cannot be reached: start a Secret Service (e.g. gnome-keyring) or check the session bus, then retry; `baton auth migrate-store --to file` moves tokens to encrypted files.',
  LOCKED:
    'The keychain is locked: unlock it (log in to your desktop session or unlock the keyring), then retry.',
  DENIED:
    'The keychain denied access: allow baton in the keychain prompt or its access settings, then retry.',
  CORRUPT:
    'The stored token cannot be read: log in again to replace it (the unreadable entry is kept, not deleted).',
  TIMEOUT:
    'The keychain did not answer in time: check for a pending unlock prompt or a stuck keyring daemon, then retry.',
  KEY_MISMATCH:
    'The stored token was encrypted with a different key: use the key or passphrase it was written with; logging in again is not needed.',
};

/** The same for the encrypted-file store: never keychain advice for a file problem. */
export const FILE_STORE_REMEDIATIONS: Readonly<Record<TokenStoreErrorCode, string>> = {
  UNAVAILABLE:
    'The token files cannot be used: check that the baton data dir (BATON_DATA_DIR) is on a local disk and writable, then retry.',
  LOCKED: 'The token file is in use by another program: close it, then retry.',
  DENIED:
    'The token files are not accessible: make the baton data dir and its files yours (dir 0700, files 0600), then retry.',
  CORRUPT:
    'The token file cannot be read: log in again to replace it (the unreadable file is kept, not deleted).',
  TIMEOUT:
    'The token file store did not answer in time: check the disk holding the data dir, then retry.',
  KEY_MISMATCH:
    'The token files were encrypted with a different key: set BATON_STORE_PASSPHRASE to the passphrase they were written with (or unset it if they were written with the key file), or restore the store.key file; logging in again is not needed.',
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
 * @plan PLAN-20260223-ISSUE1598.P03
 * @requirement REQ-1598-IC04
 */
export class TokenStoreError extends Error {
  override readonly name = 'TokenStoreError';
  readonly code: TokenStoreErrorCode;
  readonly remediation: string;
  readonly provider?: string;
  readonly bucket?: string;
  readonly backend?: StoreBackend;
  /** Whether a login may replace the entry (only for CORRUPT; never for KEY_MISMATCH or outages). */
  readonly reauthEligible: boolean;

  constructor(code: TokenStoreErrorCode, message: string, options: TokenStoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.remediation = options.remediation ?? defaultRemediation(code, options);
    this.reauthEligible = REAUTH_ELIGIBLE_STORE_CODES.has(code);
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
      reauthEligible: this.reauthEligible,
    };
  }
}

function defaultRemediation(code: TokenStoreErrorCode, options: TokenStoreErrorOptions): string {
  const table = options.backend === 'file' ? FILE_STORE_REMEDIATIONS : TOKEN_STORE_REMEDIATIONS;
  if (code === 'CORRUPT' && options.provider !== undefined && options.bucket !== undefined) {
    const what = options.backend === 'file' ? 'file' : 'entry';
    return `The stored token cannot be read: run \`baton auth login ${options.provider} --bucket ${options.bucket}\` to replace it (the unreadable ${what} is kept, not deleted).`;
  }
  return table[code];
}

export function isTokenStoreError(
  error: unknown,
  code?: TokenStoreErrorCode,
): error is TokenStoreError {
  return error instanceof TokenStoreError && (code === undefined || error.code === code);
}
