// TokenStore over encrypted files, one per provider:bucket (`<provider>~<bucket>.token`, 0600 in a
// 0700 dir), written atomically. Unreadable or undecryptable files read as CORRUPT and are kept.
import { promises as fs } from 'node:fs';
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
import { ensurePrivateDir, writeFileAtomic } from '../../util/atomic-write.js';
import {
  DecryptError,
  EnvelopeSchema,
  SCRYPT_PARAMS,
  deriveKey,
  newSalt,
  open,
  resolveKeyMaterial,
  seal,
  type KeyMaterial,
} from './envelope.js';

export const TOKEN_FILE_SUFFIX = '.token';
/** Separates provider and bucket in a file name; not a character names may contain. */
const NAME_SEPARATOR = '~';

export interface EncryptedFileTokenStoreOptions {
  /** Directory holding the token files (normally `<dataDir>/tokens`). */
  dir: string;
  /** BATON_STORE_PASSPHRASE; when absent or empty the machine-and-user key is used. */
  passphrase?: string;
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
  const code = (error as NodeJS.ErrnoException).code;
  const names = { ...(provider ? { provider } : {}), ...(bucket ? { bucket } : {}) };
  return new TokenStoreError(
    code === 'EACCES' || code === 'EPERM' ? 'DENIED' : 'UNAVAILABLE',
    `the token file store cannot ${what}: ${(error as Error).message}`,
    { ...names, backend: 'file', cause: error },
  );
}

export class EncryptedFileTokenStore implements TokenStore {
  private readonly dir: string;
  private readonly passphrase: string | undefined;
  private material: Promise<KeyMaterial> | undefined;
  /** Derived keys by salt (base64), so scrypt runs once per salt per process. */
  private readonly keys = new Map<string, Promise<Buffer>>();
  private writeSalt: Buffer | undefined;

  constructor(options: EncryptedFileTokenStoreOptions) {
    this.dir = path.resolve(options.dir);
    this.passphrase = options.passphrase === '' ? undefined : options.passphrase;
  }

  describe(): StoreDescription {
    return {
      backend: 'file',
      durability: `encrypted files in ${this.dir}`,
      protection:
        this.passphrase === undefined ? 'encrypted, machine-bound key' : 'encrypted, passphrase',
    };
  }

  async get(provider: string, bucket: string): Promise<OAuthToken | null> {
    const key = tokenKey(provider, bucket);
    const file = path.join(this.dir, tokenFileName(provider, bucket));
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ioError(error, `read ${file}`, provider, bucket);
    }
    const corrupt = (why: string): TokenStoreError =>
      new TokenStoreError('CORRUPT', `the token file ${file} for ${provider}/${bucket} ${why}`, {
        provider,
        bucket,
        backend: 'file',
      });
    let envelope;
    try {
      envelope = EnvelopeSchema.parse(JSON.parse(text));
    } catch {
      throw corrupt('is not a baton token envelope (damaged or not written by baton)');
    }
    const material = await this.keyMaterial();
    if (envelope.keySource !== material.source) {
      throw corrupt(
        envelope.keySource === 'passphrase'
          ? 'was encrypted with a passphrase: set BATON_STORE_PASSPHRASE to read it'
          : 'was encrypted with the machine-bound key: unset BATON_STORE_PASSPHRASE to read it',
      );
    }
    let plaintext: string;
    try {
      const derived = await this.derive(
        material,
        Buffer.from(envelope.kdf.salt, 'base64'),
        envelope.kdf,
      );
      plaintext = open(envelope, key, derived);
    } catch (error) {
      if (!(error instanceof DecryptError)) throw corrupt('has unusable key parameters');
      throw corrupt(
        material.source === 'passphrase'
          ? 'cannot be decrypted: wrong BATON_STORE_PASSPHRASE, or the file was altered'
          : 'cannot be decrypted: it was written on another machine or by another user, or it was altered',
      );
    }
    try {
      return parseOAuthToken(JSON.parse(plaintext));
    } catch (error) {
      // Never quote the plaintext: JSON.parse messages include the input.
      throw corrupt(
        error instanceof SyntaxError
          ? 'holds invalid JSON'
          : `holds an invalid token: ${(error as Error).message}`,
      );
    }
  }

  async save(provider: string, bucket: string, token: OAuthToken): Promise<void> {
    const key = tokenKey(provider, bucket);
    const plaintext = JSON.stringify(parseOAuthToken(token));
    const material = await this.keyMaterial();
    this.writeSalt ??= newSalt();
    const derived = await this.derive(material, this.writeSalt, SCRYPT_PARAMS);
    const envelope = seal(plaintext, key, derived, this.writeSalt, material.source);
    const file = path.join(this.dir, tokenFileName(provider, bucket));
    try {
      await writeFileAtomic(file, `${JSON.stringify(envelope)}\n`);
    } catch (error) {
      throw ioError(error, `write ${file}`, provider, bucket);
    }
  }

  async remove(provider: string, bucket: string): Promise<boolean> {
    tokenKey(provider, bucket);
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

  private async entries(): Promise<Array<{ provider: string; bucket: string }>> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(error, `list ${this.dir}`);
    }
    return names.flatMap((name) => parseTokenFileName(name) ?? []);
  }

  private keyMaterial(): Promise<KeyMaterial> {
    this.material ??= resolveKeyMaterial(this.passphrase);
    return this.material;
  }

  private derive(
    material: KeyMaterial,
    salt: Buffer,
    params: { N: number; r: number; p: number },
  ): Promise<Buffer> {
    const id = `${params.N}.${params.r}.${params.p}:${salt.toString('base64')}`;
    let derived = this.keys.get(id);
    if (!derived) {
      derived = deriveKey(material.secret, salt, params);
      derived.catch(() => this.keys.delete(id));
      this.keys.set(id, derived);
    }
    return derived;
  }
}
