// TokenStore over the OS keychain: service `baton`, account `provider:bucket`, zod-validated JSON
// with provider fields kept. Corrupt entries read as CORRUPT for that key only and are never deleted;
// locked or denied keychains surface as such. Oversized secrets are split (see chunking.ts).
import { randomBytes } from 'node:crypto';
import {
  TokenStoreError,
  isTokenStoreError,
  parseOAuthToken,
  parseTokenKey,
  tokenKey,
  validateProviderName,
  type OAuthToken,
  type StoreDescription,
  type TokenStore,
} from '@baton/core';
import {
  ChunkError,
  WINDOWS_MAX_SECRET_BYTES,
  asciiJson,
  formatChunkHeader,
  joinChunks,
  parseChunkHeader,
  partAccount,
  sha256Hex,
  splitText,
  type ChunkHeader,
} from './chunking.js';
import { createKeychain, type Keychain } from './keychain.js';

export const KEYCHAIN_SERVICE = 'baton';

export interface KeychainTokenStoreOptions {
  keychain?: Keychain;
  service?: string;
  /** Largest secret the keychain takes; larger tokens are split. Default: 2560 on Windows, no limit elsewhere. */
  maxSecretBytes?: number;
  /** Bytes per character in the keychain's encoding (Windows stores UTF-16). */
  bytesPerChar?: number;
}

const KEYCHAIN_NAMES: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'OS keychain (Secret Service)',
  darwin: 'OS keychain (macOS Keychain)',
  win32: 'OS keychain (Windows Credential Manager)',
};

/** Re-throws a keychain failure with the provider and bucket it concerned. */
function withNames(error: unknown, provider: string, bucket?: string): never {
  if (error instanceof TokenStoreError && error.provider === undefined) {
    const where = bucket === undefined ? provider : `${provider}/${bucket}`;
    throw new TokenStoreError(error.code, `${error.message} (${where})`, {
      provider,
      ...(bucket === undefined ? {} : { bucket }),
      backend: 'keychain',
      cause: error.cause ?? error,
    });
  }
  throw error;
}

function corruptEntry(provider: string, bucket: string, why: string): TokenStoreError {
  return new TokenStoreError(
    'CORRUPT',
    `the keychain entry for ${provider}/${bucket} is unreadable: ${why}`,
    { provider, bucket, backend: 'keychain' },
  );
}

export class KeychainTokenStore implements TokenStore {
  private readonly keychain: Keychain;
  private readonly service: string;
  private readonly maxChars: number;

  constructor(options: KeychainTokenStoreOptions = {}) {
    this.keychain = options.keychain ?? createKeychain();
    this.service = options.service ?? KEYCHAIN_SERVICE;
    const isWindows = process.platform === 'win32';
    const maxBytes = options.maxSecretBytes ?? (isWindows ? WINDOWS_MAX_SECRET_BYTES : Infinity);
    this.maxChars = Math.floor(maxBytes / (options.bytesPerChar ?? (isWindows ? 2 : 1)));
  }

  describe(): StoreDescription {
    return {
      backend: 'keychain',
      durability: KEYCHAIN_NAMES[process.platform] ?? 'OS keychain',
      protection: 'OS keychain',
    };
  }

  async get(provider: string, bucket: string): Promise<OAuthToken | null> {
    const key = tokenKey(provider, bucket);
    try {
      const raw = await this.keychain.getPassword(this.service, key);
      if (raw === null) return null;
      let json: string;
      try {
        json = await this.assemble(key, raw);
      } catch (error) {
        if (error instanceof ChunkError) throw corruptEntry(provider, bucket, error.message);
        throw error;
      }
      return this.decode(json, provider, bucket);
    } catch (error) {
      return withNames(error, provider, bucket);
    }
  }

  async save(provider: string, bucket: string, token: OAuthToken): Promise<void> {
    const key = tokenKey(provider, bucket);
    const json = asciiJson(parseOAuthToken(token));
    try {
      const previous = await this.previousHeader(key);
      if (json.length <= this.maxChars) {
        await this.replace(key, json);
      } else {
        await this.saveChunked(key, json);
      }
      if (previous) await this.deleteParts(key, previous);
    } catch (error) {
      withNames(error, provider, bucket);
    }
  }

  async remove(provider: string, bucket: string): Promise<boolean> {
    const key = tokenKey(provider, bucket);
    try {
      const previous = await this.previousHeader(key);
      if (previous) await this.deleteParts(key, previous);
      try {
        return await this.keychain.deletePassword(this.service, key);
      } catch (error) {
        if (!isTokenStoreError(error, 'CORRUPT') || !this.keychain.removeAll) throw error;
        await this.keychain.removeAll(this.service, key); // duplicate items: remove them all
        return true;
      }
    } catch (error) {
      return withNames(error, provider, bucket);
    }
  }

  async listBuckets(provider: string): Promise<string[]> {
    validateProviderName(provider);
    try {
      const keys = await this.keys();
      return keys
        .filter((k) => k.provider === provider)
        .map((k) => k.bucket)
        .sort();
    } catch (error) {
      return withNames(error, provider);
    }
  }

  async listProviders(): Promise<string[]> {
    const keys = await this.keys();
    return [...new Set(keys.map((k) => k.provider))].sort();
  }

  /** Every `provider:bucket` main entry of the service; chunk parts and foreign accounts are skipped. */
  private async keys(): Promise<Array<{ provider: string; bucket: string }>> {
    const credentials = await this.keychain.findCredentials(this.service);
    // Duplicate items for one account would list a bucket twice.
    const accounts = [...new Set(credentials.map((c) => c.account))];
    return accounts.flatMap((account) => parseTokenKey(account) ?? []);
  }

  private async saveChunked(key: string, json: string): Promise<void> {
    const header: ChunkHeader = {
      generation: randomBytes(4).toString('hex'),
      parts: 0,
      sha256: sha256Hex(json),
    };
    const parts = splitText(json, this.maxChars);
    header.parts = parts.length;
    const headerText = formatChunkHeader(header);
    if (headerText.length > this.maxChars) {
      throw new RangeError(
        `keychain secret limit of ${this.maxChars} characters is too small for a chunk header`,
      );
    }
    // Parts first, then the header: a reader sees the old token or the whole new one.
    for (const [index, part] of parts.entries()) {
      await this.keychain.setPassword(
        this.service,
        partAccount(key, header.generation, index),
        part,
      );
    }
    await this.replace(key, headerText);
  }

  /**
   * Writes the main entry. Duplicate items for it (another program wrote a second one) block the
   * write: they are removed first, so a save or login can always replace a corrupt entry.
   */
  private async replace(key: string, value: string): Promise<void> {
    try {
      await this.keychain.setPassword(this.service, key, value);
    } catch (error) {
      if (!isTokenStoreError(error, 'CORRUPT') || !this.keychain.removeAll) throw error;
      await this.keychain.removeAll(this.service, key);
      await this.keychain.setPassword(this.service, key, value);
    }
  }

  private async previousHeader(key: string): Promise<ChunkHeader | undefined> {
    let raw: string | null;
    try {
      raw = await this.keychain.getPassword(this.service, key);
    } catch (error) {
      // An undecodable secret or duplicate items: nothing of ours to clean up; the write replaces it.
      if (isTokenStoreError(error, 'CORRUPT')) return undefined;
      throw error;
    }
    try {
      return raw === null ? undefined : parseChunkHeader(raw);
    } catch {
      return undefined; // a broken header is overwritten by this save; its parts cannot be named
    }
  }

  private async deleteParts(key: string, header: ChunkHeader): Promise<void> {
    for (let index = 0; index < header.parts; index++) {
      await this.keychain.deletePassword(this.service, partAccount(key, header.generation, index));
    }
  }

  /** Reads the parts a header names and joins them; throws ChunkError when they do not add up. */
  private async assemble(key: string, raw: string): Promise<string> {
    const header = parseChunkHeader(raw);
    if (!header) return raw;
    const parts: Array<string | null> = [];
    for (let index = 0; index < header.parts; index++) {
      parts.push(
        await this.keychain.getPassword(this.service, partAccount(key, header.generation, index)),
      );
    }
    return joinChunks(header, parts);
  }

  private decode(json: string, provider: string, bucket: string): OAuthToken {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      // JSON.parse messages quote the input, which may hold a secret: never pass them on.
      throw corruptEntry(provider, bucket, 'not valid JSON');
    }
    try {
      return parseOAuthToken(raw);
    } catch (error) {
      throw corruptEntry(provider, bucket, (error as Error).message);
    }
  }
}
