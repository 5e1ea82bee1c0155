import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import {
  CHUNK_HEADER_PREFIX,
  ChunkError,
  asciiJson,
  formatChunkHeader,
  joinChunks,
  parseChunkHeader,
  sha256Hex,
  splitText,
} from './chunking.js';

/**
 * @plan PLAN-20260223-ISSUE1598.P08
 * @requirement REQ-1598-ST12
 */
describe('chunking', () => {
  test.prop([fc.string({ maxLength: 5000 }), fc.integer({ min: 1, max: 3000 })])(
    'split pieces are within the limit and join back to the original',
    (text, maxChars) => {
      const parts = splitText(text, maxChars);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(maxChars);
      const header = { generation: 'ab12', parts: parts.length, sha256: sha256Hex(text) };
      expect(joinChunks(header, parts)).toBe(text);
      expect(parseChunkHeader(formatChunkHeader(header))).toEqual(header);
    },
  );

  test.prop([fc.jsonValue()])('asciiJson is pure ASCII and parses to the same value', (value) => {
    const json = asciiJson(value);
    expect(/^[\x20-\x7e]*$/.test(json)).toBe(true);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('reports missing or altered parts', () => {
    const text = 'x'.repeat(10) + 'y'.repeat(10);
    const parts = splitText(text, 10);
    const header = { generation: 'ff', parts: 2, sha256: sha256Hex(text) };
    expect(() => joinChunks(header, [parts[0]!, null])).toThrow(/part 2 of 2 is missing/);
    expect(() => joinChunks(header, [parts[0]!])).toThrow(ChunkError);
    expect(() => joinChunks(header, [parts[0]!, 'z'.repeat(10)])).toThrow(/hash/);
  });

  it('tells whole tokens from headers and rejects malformed headers', () => {
    expect(parseChunkHeader('{"access_token":"a"}')).toBeUndefined();
    expect(() => parseChunkHeader(`${CHUNK_HEADER_PREFIX}{"parts":-1}`)).toThrow(ChunkError);
    expect(() => parseChunkHeader(`${CHUNK_HEADER_PREFIX}not json`)).toThrow(ChunkError);
    expect(() => splitText('abc', 0)).toThrow(RangeError);
  });
});
