// Splitting a token JSON that is too large for one keychain secret (Windows Credential Manager caps
// a secret at 2560 bytes) into parts: the main entry holds a small header, parts live under
// `provider:bucket#<generation>.<index>` so a reader never mixes parts of two saves.
import { createHash } from 'node:crypto';

/** Windows Credential Manager's limit for one secret (CRED_MAX_CREDENTIAL_BLOB_SIZE), in bytes. */
export const WINDOWS_MAX_SECRET_BYTES = 2560;
export const CHUNK_HEADER_PREFIX = 'baton-chunked:v1:';

export interface ChunkHeader {
  generation: string;
  parts: number;
  sha256: string;
}

/** JSON with every non-ASCII character escaped, so a character is one byte (two in UTF-16). */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function partAccount(key: string, generation: string, index: number): string {
  return `${key}#${generation}.${index}`;
}

/** Cuts `text` into pieces of at most `maxChars` characters (at least one piece). */
export function splitText(text: string, maxChars: number): string[] {
  if (!(maxChars >= 1)) throw new RangeError(`maxChars must be at least 1, got ${maxChars}`);
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += maxChars) parts.push(text.slice(i, i + maxChars));
  return parts.length > 0 ? parts : [''];
}

export function formatChunkHeader(header: ChunkHeader): string {
  return `${CHUNK_HEADER_PREFIX}${JSON.stringify(header)}`;
}

/** The header in a main entry, or undefined when the entry holds a whole token. */
export function parseChunkHeader(value: string): ChunkHeader | undefined {
  if (!value.startsWith(CHUNK_HEADER_PREFIX)) return undefined;
  try {
    const raw = JSON.parse(value.slice(CHUNK_HEADER_PREFIX.length)) as Partial<ChunkHeader>;
    if (
      typeof raw.generation === 'string' &&
      /^[0-9a-f]{1,32}$/.test(raw.generation) &&
      Number.isInteger(raw.parts) &&
      (raw.parts ?? 0) >= 1 &&
      typeof raw.sha256 === 'string'
    ) {
      return { generation: raw.generation, parts: raw.parts!, sha256: raw.sha256 };
    }
  } catch {
    // falls through: a malformed header is reported by the caller as corrupt
  }
  throw new ChunkError('the chunk header is malformed');
}

export class ChunkError extends Error {
  override readonly name = 'ChunkError';
}

/** Joins parts read back and checks them against the header's hash. */
export function joinChunks(header: ChunkHeader, parts: ReadonlyArray<string | null>): string {
  const missing = parts.findIndex((p) => p === null);
  if (parts.length !== header.parts || missing >= 0) {
    throw new ChunkError(
      `part ${missing >= 0 ? missing + 1 : parts.length + 1} of ${header.parts} is missing`,
    );
  }
  const text = parts.join('');
  if (sha256Hex(text) !== header.sha256)
    throw new ChunkError('the parts do not match the header hash');
  return text;
}
