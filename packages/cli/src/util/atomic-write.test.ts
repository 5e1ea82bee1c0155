import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonFileError, readJsonFile, writeFileAtomic, writeJsonFile } from './atomic-write.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'baton-atomic-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const Schema = z.object({ name: z.string(), count: z.number() });

describe('writeFileAtomic', () => {
  it('creates 0700 parent dirs and a 0600 file, replacing content whole', async () => {
    const file = path.join(root, 'a', 'b', 'data.json');
    await writeFileAtomic(file, 'first');
    await writeFileAtomic(file, 'second');
    expect(await readFile(file, 'utf8')).toBe('second');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(root, 'a'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(root, 'a', 'b'))).mode & 0o777).toBe(0o700);
    expect(await readdir(path.join(root, 'a', 'b'))).toEqual(['data.json']);
  });

  it('leaves no temp file behind when the rename fails', async () => {
    const target = path.join(root, 'dir-in-the-way');
    await writeFileAtomic(path.join(target, 'x'), 'x');
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect((await readdir(root)).sort()).toEqual(['dir-in-the-way']);
  });
});

describe('readJsonFile', () => {
  it('returns undefined for a missing file and the parsed value otherwise', async () => {
    const file = path.join(root, 'x.json');
    expect(await readJsonFile(file, Schema)).toBeUndefined();
    await writeJsonFile(file, { name: 'n', count: 2 });
    expect(await readJsonFile(file, Schema)).toEqual({ name: 'n', count: 2 });
  });

  it('names the file on bad JSON and leaves it untouched', async () => {
    const file = path.join(root, 'bad.json');
    await writeFile(file, '{"name": ');
    const error = await readJsonFile(file, Schema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonFileError);
    expect((error as JsonFileError).kind).toBe('syntax');
    expect((error as Error).message).toContain(file);
    expect(await readFile(file, 'utf8')).toBe('{"name": ');
  });

  it('names the file and the field on a schema error', async () => {
    const file = path.join(root, 'schema.json');
    await writeFile(file, JSON.stringify({ name: 'n', count: 'three' }));
    const error = (await readJsonFile(file, Schema).catch((e: unknown) => e)) as JsonFileError;
    expect(error.kind).toBe('schema');
    expect(error.field).toBe('count');
    expect(error.message).toContain(file);
    expect(error.message).toContain('count');
  });
});
