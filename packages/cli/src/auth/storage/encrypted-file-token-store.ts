// TokenStore over encrypted files, one per provider:bucket (`<provider>~<bucket>.token`, 0600 in a
// 0700 dir), written atomically. A damaged file reads as CORRUPT, a wrong or missing key as
// KEY_MISMATCH (never corrupt, never a reason to log in); files are kept either way. Version-1
// files (machine-derived key) still open and are rewritten in the current format when read.
import path from 'node:path';
import {
  TokenStoreError,
  parseOAuthToken,
  tokenKey,
  validateProviderName,
  isValidBucketName,
  isValidProviderName,
  type OAuthToken,
  type StoreDescription,
  type TokenStore,
} from '@baton/core';
import { promises as fs } from 'node:fs';
import { ensurePrivateDir } from '../../util/atomic-write.js';
import { AnyEnvelopeSchema, DecryptError, open, seal } from './envelope.js';
import {
  NotRegularFileError,
  readPrivateFile,
  writePrivateFile,
  type WarningSink,
} from './private-file.js';
import { KEY_FILE_NAME, KeyMismatchError, StoreKeys } from './store-key.js';

export const TOKEN_FILE_SUFFIX = '.token';
/** Separates provider and bucket in a file name; not a character names may contain. */
const NAME_SEPARATOR = '~';

export const FILE_PROTECTION = {
  'key-file':
    'encrypted, key file beside it: protects copies of the token files, not against this user',
  passphrase: 'encrypted, passphrase',
} as const;

export interface EncryptedFileTokenStoreOptions {
  /** Directory holding the token files (normally `<dataDir>/tokens`). */
  dir: string;
  /** BATON_STORE_PASSPHRASE; when absent or empty the key file is used. */
  passphrase?: string;
  /** The key file (default: `store.key` beside the token dir, i.e. in the data dir). */
  keyFile?: string;
  /** Told about things fixed on the way (loose permissions tightened, old files rewritten). */
  onWarning?: WarningSink;
}

export function tokenFileName(provider: string, bucket: string): string {
  return `${provider}${NAME_SEPARATOR}${bucket}${TOKEN_FILE_SUFFIX}`;
}

function parseTokenFileName(name: string): { provider: string; bucket: string } | undefined {
  if (!name.endsWith(TOKEN_FILE_SUFFIX)) return undefined;
  const stem = name.slice(0, -TOKEN_FILE_SUFFIX.length);
  const at = stem.indexOf(NAME_SEPARATOR);
  const provider = stem.slice(0, at);
  const bucket = stem.slice(at + 1);
  return at > 0 && isValidProviderName(provider) && isValidBucketName(bucket)
    ? { provider, bucket }
    : undefined;
}

function ioError(
  error: unknown,
  what: string,
  provider?: string,
  bucket?: string,
): TokenStoreError {
  if (error instanceof TokenStoreError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const names = { ...(provider ? { provider } : {}), ...(bucket ? { bucket } : {}) };
  return new TokenStoreError(
    code === 'EACCES' || code === 'EPERM' ? 'DENIED' : 'UNAVAILABLE',
    `the token file store cannot ${what}: ${(error as Error).message}`,
    { ...names, backend: 'file', cause: error },
  );
}

/**
 * @plan PLAN-20260223-ISSUE1598.P08
 * @requirement REQ-1598-ST07, REQ-1598-ST09, REQ-1598-ST11
 */
export class EncryptedFileTokenStore implements TokenStore {
  private readonly dir: string;
  private readonly keys: StoreKeys;
  /** Everything reported through onWarning, for `auth status` and `doctor`. */
  readonly warnings: string[] = [];
  private readonly warn: WarningSink;

  constructor(options: EncryptedFileTokenStoreOptions) {
    this.dir = path.resolve(options.dir);
    this.warn = (message) => {
      this.warnings.push(message);
      options.onWarning?.(message);
    };
    this.keys = new StoreKeys({
      keyFile: options.keyFile ?? path.join(path.dirname(this.dir), KEY_FILE_NAME),
      ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
      warn: this.warn,
    });
  }

  /** The key file in use (whether or not it exists yet). */
  get keyFile(): string {
    return this.keys.keyFile;
  }

  describe(): StoreDescription {
    return {
      backend: 'file',
      durability: `encrypted files in ${this.dir}`,
      protection: FILE_PROTECTION[this.keys.source],
    };
  }

  async get(provider: string, bucket: string): Promise<OAuthToken | null> {
    const account = tokenKey(provider, bucket);
    await this.refuseLinkedDir();
    const file = path.join(this.dir, tokenFileName(provider, bucket));
    const names = { provider, bucket, backend: 'file' as const };
    const corrupt = (why: string): TokenStoreError =>
      new TokenStoreError(
        'CORRUPT',
        `the token file ${file} for ${provider}/${bucket} ${why}`,
        names,
      );
    let raw: Buffer | null;
    try {
      raw = await readPrivateFile(file, this.warn);
    } catch (error) {
      if (error instanceof NotRegularFileError)
        throw corrupt(
          `is a ${error.kind}, not a regular file; it is not read (a save or login replaces it)`,
        );
      throw ioError(error, `read ${file}`, provider, bucket);
    }
    if (raw === null) return null;
    const parsed = (() => {
      try {
        return AnyEnvelopeSchema.parse(JSON.parse(raw.toString('utf8')));
      } catch {
        throw corrupt('is not a baton token envelope (damaged or not written by baton)');
      }
    })();
    let plaintext: string;
    try {
      if (parsed.version === 1) {
        const key = await this.keys.forLegacy(parsed);
        try {
          plaintext = open(parsed, account, key);
        } catch {
          // Version 1 cannot tell a wrong key from an altered file; a wrong key is far likelier.
          throw new KeyMismatchError(
            parsed.keySource === 'passphrase'
              ? 'BATON_STORE_PASSPHRASE is not the passphrase it was encrypted with, or the file was altered'
              : 'it was written by an older baton with a key derived from the machine id or hostname, which has changed since (or by another user, or it was altered)',
          );
        }
      } else {
        const key = await this.keys.forRead(parsed);
        plaintext = open(parsed, account, key);
      }
    } catch (error) {
      if (error instanceof KeyMismatchError) {
        throw new TokenStoreError(
          'KEY_MISMATCH',
          `the token file ${file} for ${provider}/${bucket} cannot be decrypted: ${error.message}`,
          names,
        );
      }
      if (error instanceof DecryptError)
        throw corrupt('fails its integrity check (it was altered or damaged)');
      throw ioError(error, `read the key for ${file}`, provider, bucket);
    }
    let token: OAuthToken;
    try {
      token = parseOAuthToken(JSON.parse(plaintext));
    } catch (error) {
      // Never quote the plaintext: JSON.parse messages include the input.
      throw corrupt(
        error instanceof SyntaxError
          ? 'holds invalid JSON'
          : `holds an invalid token: ${(error as Error).message}`,
      );
    }
    if (parsed.version === 1) await this.upgrade(file, raw, provider, bucket, token);
    return token;
  }

  /** Rewrites a version-1 file in the current format, unless another process changed it meanwhile. */
  private async upgrade(
    file: string,
    raw: Buffer,
    provider: string,
    bucket: string,
    token: OAuthToken,
  ): Promise<void> {
    try {
      const written = await writePrivateFile(file, await this.encode(provider, bucket, token), {
        unlessChangedFrom: raw,
      });
      if (written) this.warn(`${file} was rewritten from format 1 to the current format`);
    } catch (error) {
      this.warn(
        `${file} could not be rewritten in the current format: ${(error as Error).message}`,
      );
    }
  }

  private async encode(provider: string, bucket: string, token: OAuthToken): Promise<string> {
    const plaintext = JSON.stringify(parseOAuthToken(token));
    const { key, source, kdf } = await this.keys.forWrite();
    return `${JSON.stringify(seal(plaintext, tokenKey(provider, bucket), key, source, kdf))}\n`;
  }

  async save(provider: string, bucket: string, token: OAuthToken): Promise<void> {
    const file = path.join(this.dir, tokenFileName(provider, bucket));
    await this.refuseLinkedDir();
    let data: string;
    try {
      data = await this.encode(provider, bucket, token);
    } catch (error) {
      if (error instanceof KeyMismatchError) {
        throw new TokenStoreError(
          'KEY_MISMATCH',
          `cannot save ${provider}/${bucket}: ${error.message}`,
          {
            provider,
            bucket,
            backend: 'file',
          },
        );
      }
      throw ioError(error, `prepare ${file}`, provider, bucket);
    }
    try {
      await writePrivateFile(file, data);
    } catch (error) {
      throw ioError(error, `write ${file}`, provider, bucket);
    }
  }

  async remove(provider: string, bucket: string): Promise<boolean> {
    tokenKey(provider, bucket);
    await this.refuseLinkedDir();
    const file = path.join(this.dir, tokenFileName(provider, bucket));
    try {
      await fs.unlink(file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw ioError(error, `remove ${file}`, provider, bucket);
    }
  }

  async listBuckets(provider: string): Promise<string[]> {
    validateProviderName(provider);
    return (await this.entries())
      .filter((e) => e.provider === provider)
      .map((e) => e.bucket)
      .sort();
  }

  async listProviders(): Promise<string[]> {
    return [...new Set((await this.entries()).map((e) => e.provider))].sort();
  }

  /** Creates the store directory (0700) up front, e.g. for `baton doctor`. */
  async ensureDir(): Promise<void> {
    await ensurePrivateDir(this.dir);
  }

  /**
   * The token directory must be a real directory: a symbolic link would lead reads and writes out
   * of the data dir (BEHAVIOR §2). Reported as an outage the user fixes, never as "no token".
   */
  private async refuseLinkedDir(): Promise<void> {
    let linked: boolean;
    try {
      linked = (await fs.lstat(this.dir)).isSymbolicLink();
    } catch {
      return; // absent (created on the first save) or unreadable (the operation itself reports it)
    }
    if (linked) {
      throw new TokenStoreError(
        'DENIED',
        `the token directory ${this.dir} is a symbolic link; baton does not follow links out of its data dir`,
        {
          backend: 'file',
          remediation:
            'Replace the link with a real directory holding the token files, or point BATON_DATA_DIR at the real location.',
        },
      );
    }
  }

  private async entries(): Promise<Array<{ provider: string; bucket: string }>> {
    await this.refuseLinkedDir();
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(error, `list ${this.dir}`);
    }
    return names.flatMap((name) => parseTokenFileName(name) ?? []);
  }
}
