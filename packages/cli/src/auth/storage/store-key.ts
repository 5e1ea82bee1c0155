// The file store's key: a random 32-byte key file in the data dir (0600, created once, by the first
// save), or scrypt of BATON_STORE_PASSPHRASE when the user sets one. A key that is missing or does
// not match is a KeyMismatchError, never "corrupt": the files are fine, the key is not.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE, ensurePrivateDir } from '../../util/atomic-write.js';
import {
  KEY_BYTES,
  SCRYPT_PARAMS,
  deriveKey,
  keyCheck,
  newSalt,
  type Envelope,
  type KeySource,
  type LegacyEnvelope,
} from './envelope.js';
import { legacyMachineSecret } from './legacy-machine-key.js';
import { NotRegularFileError, readPrivateFile, type WarningSink } from './private-file.js';

export const KEY_FILE_NAME = 'store.key';

/** The right key for a file is not available; the message says which key and how to fix it. */
export class KeyMismatchError extends Error {
  override readonly name = 'KeyMismatchError';
}

export interface WriteKey {
  key: Buffer;
  source: KeySource;
  kdf: Envelope['kdf'];
}

export interface StoreKeysOptions {
  keyFile: string;
  /** BATON_STORE_PASSPHRASE; undefined or empty means the key file. */
  passphrase?: string;
  warn?: WarningSink;
}

export class StoreKeys {
  readonly keyFile: string;
  private readonly passphrase: string | undefined;
  private readonly warn: WarningSink | undefined;
  /** Derived keys by secret kind and salt, so scrypt runs once per salt per process. */
  private readonly derived = new Map<string, Promise<Buffer>>();
  private writeSalt: Buffer | undefined;
  private fileKey: Promise<Buffer> | undefined;

  constructor(options: StoreKeysOptions) {
    this.keyFile = options.keyFile;
    this.passphrase = options.passphrase === '' ? undefined : options.passphrase;
    this.warn = options.warn;
  }

  get source(): KeySource {
    return this.passphrase === undefined ? 'key-file' : 'passphrase';
  }

  /** The key new files are written with (creates the key file on first use). */
  async forWrite(): Promise<WriteKey> {
    if (this.passphrase === undefined) {
      return { key: await this.loadKeyFile(true), source: 'key-file', kdf: { name: 'none' } };
    }
    this.writeSalt ??= newSalt();
    const kdf = {
      name: 'scrypt' as const,
      ...SCRYPT_PARAMS,
      salt: this.writeSalt.toString('base64'),
    };
    return {
      key: await this.scrypt('passphrase', this.passphrase, kdf),
      source: 'passphrase',
      kdf,
    };
  }

  /** The key a version-2 envelope was written with, checked against its key check. */
  async forRead(envelope: Envelope): Promise<Buffer> {
    let key: Buffer;
    if (envelope.keySource === 'key-file') {
      key = await this.loadKeyFile(false);
    } else {
      if (this.passphrase === undefined)
        throw new KeyMismatchError(
          'it was encrypted with a passphrase: set BATON_STORE_PASSPHRASE to read it',
        );
      if (envelope.kdf.name !== 'scrypt')
        throw new KeyMismatchError('its key parameters are unusable');
      key = await this.scrypt('passphrase', this.passphrase, envelope.kdf);
    }
    if (keyCheck(key) !== envelope.keyCheck) {
      throw new KeyMismatchError(
        envelope.keySource === 'passphrase'
          ? 'BATON_STORE_PASSPHRASE is not the passphrase it was encrypted with'
          : `it was encrypted with a different key file than ${this.keyFile} (restore the key file it was written with)`,
      );
    }
    return key;
  }

  /** The key of a version-1 envelope (machine-derived or passphrase); unchecked, v1 has no check. */
  async forLegacy(envelope: LegacyEnvelope): Promise<Buffer> {
    if (envelope.keySource === 'machine') {
      return this.scrypt('machine', await legacyMachineSecret(), envelope.kdf);
    }
    if (this.passphrase === undefined)
      throw new KeyMismatchError(
        'it was encrypted with a passphrase: set BATON_STORE_PASSPHRASE to read it',
      );
    return this.scrypt('passphrase', this.passphrase, envelope.kdf);
  }

  private scrypt(
    kind: string,
    secret: string,
    kdf: { N: number; r: number; p: number; salt: string },
  ): Promise<Buffer> {
    const id = `${kind}:${kdf.N}.${kdf.r}.${kdf.p}:${kdf.salt}`;
    let key = this.derived.get(id);
    if (!key) {
      key = deriveKey(secret, Buffer.from(kdf.salt, 'base64'), kdf);
      key.catch(() => this.derived.delete(id));
      this.derived.set(id, key);
    }
    return key;
  }

  private loadKeyFile(create: boolean): Promise<Buffer> {
    const load = this.fileKey ?? this.readOrCreate(create);
    // Cache only a key that exists: a missing one may be created by the next save.
    this.fileKey = load;
    load.catch(() => {
      if (this.fileKey === load) this.fileKey = undefined;
    });
    return load;
  }

  private async readOrCreate(create: boolean): Promise<Buffer> {
    const existing = await readPrivateFile(this.keyFile, this.warn).catch((error: unknown) => {
      if (error instanceof NotRegularFileError)
        throw new KeyMismatchError(`${error.message} (put the real key file there)`);
      throw error;
    });
    if (existing) return this.validate(existing);
    if (!create) {
      throw new KeyMismatchError(
        `the key file ${this.keyFile} it was encrypted with is missing (restore it from a backup)`,
      );
    }
    await ensurePrivateDir(path.dirname(this.keyFile));
    const temp = `${this.keyFile}.${randomBytes(6).toString('hex')}.new`;
    await fs.writeFile(temp, randomBytes(KEY_BYTES), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    try {
      // link() fails if another process created the key first: then its key is the key.
      await fs.link(temp, this.keyFile).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    } finally {
      await fs.rm(temp, { force: true });
    }
    const created = await readPrivateFile(this.keyFile, this.warn);
    if (!created) throw new Error(`the key file ${this.keyFile} vanished while it was created`);
    return this.validate(created);
  }

  private validate(content: Buffer): Buffer {
    if (content.length !== KEY_BYTES) {
      throw new KeyMismatchError(
        `the key file ${this.keyFile} is damaged (${content.length} bytes, expected ${KEY_BYTES}; restore it from a backup)`,
      );
    }
    return content;
  }
}
