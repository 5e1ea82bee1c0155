// The encrypted-file envelope: AES-256-GCM with a random 12-byte IV, a scrypt-derived key (salted,
// parameters recorded), a version number, and the provider:bucket bound in as associated data.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { z } from 'zod';

export const ENVELOPE_FORMAT = 'baton-token';
export const ENVELOPE_VERSION = 1;
export const CIPHER = 'aes-256-gcm';
export const IV_BYTES = 12;
export const SALT_BYTES = 16;
export const KEY_BYTES = 32;
/** scrypt cost: N=2^15, r=8, p=1 (about 32 MiB and ~100 ms once per salt per process). */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const SCRYPT_MAXMEM = 256 * 1024 * 1024;

export type KeySource = 'machine' | 'passphrase';

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const EnvelopeSchema = z.object({
  format: z.literal(ENVELOPE_FORMAT),
  version: z.literal(ENVELOPE_VERSION),
  keySource: z.enum(['machine', 'passphrase']),
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z.number().int().min(2),
    r: z.number().int().min(1),
    p: z.number().int().min(1),
    salt: b64,
  }),
  cipher: z.literal(CIPHER),
  iv: b64,
  tag: b64,
  data: b64,
});

export type Envelope = z.output<typeof EnvelopeSchema>;

export interface KeyMaterial {
  source: KeySource;
  /** The passphrase, or the machine-and-user identity string. */
  secret: string;
}

/**
 * The key material: BATON_STORE_PASSPHRASE when set, otherwise a string bound to this machine and
 * user (machine id, uid, user name, home dir). The latter stops a copied file from opening elsewhere;
 * it does not protect against other programs running as the same user.
 */
export async function resolveKeyMaterial(passphrase: string | undefined): Promise<KeyMaterial> {
  if (passphrase !== undefined && passphrase !== '')
    return { source: 'passphrase', secret: passphrase };
  const machineId = await readMachineId();
  const user = os.userInfo();
  return {
    source: 'machine',
    secret: ['baton-machine-key', machineId, String(user.uid), user.username, user.homedir].join(
      '\u0000',
    ),
  };
}

const MACHINE_ID_FILES = ['/etc/machine-id', '/var/lib/dbus/machine-id'];

async function readMachineId(): Promise<string> {
  for (const file of MACHINE_ID_FILES) {
    const id = await readFile(file, 'utf8').then(
      (text) => text.trim(),
      () => '',
    );
    if (id !== '') return id;
  }
  return os.hostname();
}

export function deriveKey(
  secret: string,
  salt: Buffer,
  params: { N: number; r: number; p: number } = SCRYPT_PARAMS,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, { ...params, maxmem: SCRYPT_MAXMEM }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export function associatedData(key: string, source: KeySource): Buffer {
  return Buffer.from(`${ENVELOPE_FORMAT}:v${ENVELOPE_VERSION}:${source}:${key}`, 'utf8');
}

export function newSalt(): Buffer {
  return randomBytes(SALT_BYTES);
}

/** Encrypts `plaintext` for the account `key` with an already derived key. */
export function seal(
  plaintext: string,
  key: string,
  derived: Buffer,
  salt: Buffer,
  source: KeySource,
): Envelope {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, derived, iv);
  cipher.setAAD(associatedData(key, source));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    format: ENVELOPE_FORMAT,
    version: ENVELOPE_VERSION,
    keySource: source,
    kdf: { name: 'scrypt', ...SCRYPT_PARAMS, salt: salt.toString('base64') },
    cipher: CIPHER,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

export class DecryptError extends Error {
  override readonly name = 'DecryptError';
}

/** Decrypts an envelope; throws DecryptError when the key is wrong or the data was altered. */
export function open(envelope: Envelope, key: string, derived: Buffer): string {
  try {
    const decipher = createDecipheriv(CIPHER, derived, Buffer.from(envelope.iv, 'base64'));
    decipher.setAAD(associatedData(key, envelope.keySource));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(envelope.data, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch (error) {
    throw new DecryptError('authentication failed', { cause: error });
  }
}
