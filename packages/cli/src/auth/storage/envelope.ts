// The encrypted-file envelope: AES-256-GCM with a random 12-byte IV, the provider:bucket bound in as
// associated data, and a key check so a wrong key is told apart from an altered file. Version 2 is
// written; version 1 (machine-derived or passphrase key, no key check) is still read.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt } from 'node:crypto';
import { z } from 'zod';

export const ENVELOPE_FORMAT = 'baton-token';
export const ENVELOPE_VERSION = 2;
export const CIPHER = 'aes-256-gcm';
export const IV_BYTES = 12;
export const SALT_BYTES = 16;
export const KEY_BYTES = 32;
/** scrypt cost for a passphrase: N=2^15, r=8, p=1 (about 32 MiB and ~100 ms once per salt). */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const SCRYPT_MAXMEM = 256 * 1024 * 1024;
const KEY_CHECK_LABEL = 'baton-token key check';

/** Where the key of a version-2 file comes from. */
export type KeySource = 'key-file' | 'passphrase';

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const ScryptKdfSchema = z.object({
  name: z.literal('scrypt'),
  N: z.number().int().min(2),
  r: z.number().int().min(1),
  p: z.number().int().min(1),
  salt: b64,
});
export type ScryptKdf = z.output<typeof ScryptKdfSchema>;

const sealed = {
  format: z.literal(ENVELOPE_FORMAT),
  cipher: z.literal(CIPHER),
  iv: b64,
  tag: b64,
  data: b64,
};

export const EnvelopeSchema = z.object({
  ...sealed,
  version: z.literal(ENVELOPE_VERSION),
  keySource: z.enum(['key-file', 'passphrase']),
  /** `none`: the key file holds the AES key itself. */
  kdf: z.union([z.object({ name: z.literal('none') }), ScryptKdfSchema]),
  keyCheck: b64,
});
export type Envelope = z.output<typeof EnvelopeSchema>;

/** Version 1: the key came from the machine id (or hostname) and user, or from a passphrase. */
export const LegacyEnvelopeSchema = z.object({
  ...sealed,
  version: z.literal(1),
  keySource: z.enum(['machine', 'passphrase']),
  kdf: ScryptKdfSchema,
});
export type LegacyEnvelope = z.output<typeof LegacyEnvelopeSchema>;

export const AnyEnvelopeSchema = z.discriminatedUnion('version', [
  EnvelopeSchema,
  LegacyEnvelopeSchema,
]);

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

export function newSalt(): Buffer {
  return randomBytes(SALT_BYTES);
}

/** A short value that only the right key reproduces; it reveals nothing about the key. */
export function keyCheck(key: Buffer): string {
  return createHmac('sha256', key)
    .update(KEY_CHECK_LABEL)
    .digest()
    .subarray(0, 16)
    .toString('base64');
}

function associatedData(
  envelope: Pick<Envelope | LegacyEnvelope, 'version' | 'keySource'>,
  account: string,
): Buffer {
  return Buffer.from(
    `${ENVELOPE_FORMAT}:v${envelope.version}:${envelope.keySource}:${account}`,
    'utf8',
  );
}

/** Encrypts `plaintext` for the account `provider:bucket` with an already derived key. */
export function seal(
  plaintext: string,
  account: string,
  key: Buffer,
  source: KeySource,
  kdf: Envelope['kdf'],
): Envelope {
  const iv = randomBytes(IV_BYTES);
  const head = { version: ENVELOPE_VERSION, keySource: source } as const;
  const cipher = createCipheriv(CIPHER, key, iv);
  cipher.setAAD(associatedData(head, account));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    format: ENVELOPE_FORMAT,
    ...head,
    kdf,
    keyCheck: keyCheck(key),
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
export function open(envelope: Envelope | LegacyEnvelope, account: string, key: Buffer): string {
  try {
    const decipher = createDecipheriv(CIPHER, key, Buffer.from(envelope.iv, 'base64'));
    decipher.setAAD(associatedData(envelope, account));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(envelope.data, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch (error) {
    throw new DecryptError('authentication failed', { cause: error });
  }
}
