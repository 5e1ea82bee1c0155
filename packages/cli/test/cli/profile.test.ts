import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runProfileCreate } from '../../src/commands/profile/create.js';
import { runProfileDelete } from '../../src/commands/profile/delete.js';
import { runProfileList } from '../../src/commands/profile/list.js';
import { runProfileShow } from '../../src/commands/profile/show.js';
import { runProfileUse } from '../../src/commands/profile/use.js';
import { harness, type Captured } from './harness.js';

let h: Captured;
afterEach(async () => h?.cleanup());

const configDir = (): string => h.factory.paths.configDir;
const profilePath = (name: string): string => path.join(configDir(), 'profiles', `${name}.json`);
const create = (name: string, extra: Partial<Parameters<typeof runProfileCreate>[0]> = {}) =>
  h.run((factory) =>
    runProfileCreate({
      factory,
      name,
      provider: 'anthropic',
      model: 'claude-x',
      buckets: ['a', 'b'],
      ...extra,
    }),
  );

describe('baton profile create', () => {
  it('writes a private profile file and makes the first profile active', async () => {
    h = await harness();
    expect(await create('work')).toBe(0);
    const saved = JSON.parse(await readFile(profilePath('work'), 'utf8')) as unknown;
    expect(saved).toEqual({
      name: 'work',
      provider: 'anthropic',
      model: 'claude-x',
      buckets: ['a', 'b'],
    });
    expect((await stat(profilePath('work'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(profilePath('work')))).mode & 0o777).toBe(0o700);
    const settings = JSON.parse(
      await readFile(path.join(configDir(), 'settings.json'), 'utf8'),
    ) as unknown;
    expect(settings).toEqual({ activeProfile: 'work' });
    expect(h.stderr()).toContain('✓ created profile work: anthropic / claude-x, buckets a, b');
    expect(h.stderr()).toContain('work is now the active profile');
    expect(h.stdout()).toBe('');
  });

  it('uses one bucket named default when none is given, and prints JSON on stdout with --json', async () => {
    h = await harness();
    expect(await create('solo', { buckets: [], json: true })).toBe(0);
    const printed = JSON.parse(h.stdout()) as { buckets: string[]; active: boolean; file: string };
    expect(printed.buckets).toEqual(['default']);
    expect(printed.active).toBe(true);
    expect(printed.file).toBe(profilePath('solo'));
    expect(h.stderr()).toBe('');
  });

  it('a second profile does not take over the active one', async () => {
    h = await harness();
    await create('one');
    await create('two');
    const settings = JSON.parse(
      await readFile(path.join(configDir(), 'settings.json'), 'utf8'),
    ) as unknown;
    expect(settings).toEqual({ activeProfile: 'one' });
  });

  it.each([
    [['a', 'a'], 'buckets.1: bucket "a" is listed twice'],
    [['../etc'], 'buckets.0: bucket names'],
    [['ALL'], 'buckets.0: bucket names'],
    [['a b'], 'buckets.0: bucket names'],
  ])('rejects buckets %j with exit 2 naming the field', async (buckets, message) => {
    h = await harness();
    expect(await create('bad', { buckets })).toBe(2);
    expect(h.stderr()).toContain(`invalid profile: ${message}`);
    expect(h.stderr()).toContain('Next:');
  });

  it('rejects a path-like profile name with exit 2 and writes nothing', async () => {
    h = await harness();
    expect(await create('../evil')).toBe(2);
    expect(h.stderr()).toContain('invalid profile name "../evil"');
    await expect(stat(path.join(configDir(), 'evil.json'))).rejects.toThrow();
  });

  it('rejects an unknown provider with the presets and the custom-provider file to write', async () => {
    h = await harness();
    expect(await create('x', { provider: 'nosuch' })).toBe(1);
    expect(h.stderr()).toContain('✗ unknown provider "nosuch"');
    expect(h.stderr()).toContain('anthropic, codex, gemini');
    expect(h.stderr()).toContain(path.join(configDir(), 'providers', 'nosuch.json'));
  });

  it('accepts a retired preset (API keys still work there) with a warning', async () => {
    h = await harness();
    expect(await create('q', { provider: 'qwen' })).toBe(0);
    expect(h.stderr()).toContain('the qwen login is retired');
  });

  it('refuses to overwrite an existing profile', async () => {
    h = await harness();
    await create('work');
    expect(await create('work', { model: 'other' })).toBe(1);
    expect(h.stderr()).toContain('a profile named "work" already exists');
    expect(await readFile(profilePath('work'), 'utf8')).toContain('claude-x');
  });

  it('rejects a base URL that is not http(s)', async () => {
    h = await harness();
    expect(await create('gw', { baseUrl: 'ftp://example.com' })).toBe(2);
    expect(h.stderr()).toContain('baseUrl: must be an http(s) URL');
  });
});

describe('baton profile list / show / use / delete', () => {
  it('lists profiles with the active one marked, as a table and as JSON', async () => {
    h = await harness();
    await create('work');
    await create('home', { provider: 'codex', model: 'gpt-5', buckets: ['p'] });
    expect(await h.run((factory) => runProfileList({ factory }))).toBe(0);
    const lines = h.stderr().trim().split('\n').slice(-3);
    expect(lines[0]).toMatch(/^\s+NAME\s+PROVIDER\s+MODEL\s+BUCKETS$/);
    expect(lines[1]).toMatch(/^\s+home\s+codex\s+gpt-5\s+p$/);
    expect(lines[2]).toMatch(/^\*\s+work\s+anthropic\s+claude-x\s+a, b$/);
    expect(await h.run((factory) => runProfileList({ factory, json: true }))).toBe(0);
    const json = JSON.parse(h.stdout()) as {
      activeProfile: string;
      profiles: { name: string; active: boolean }[];
    };
    expect(json.activeProfile).toBe('work');
    expect(json.profiles.map((p) => [p.name, p.active])).toEqual([
      ['home', false],
      ['work', true],
    ]);
  });

  it('names a broken profile file and the field at fault, exits 1, and leaves the file alone', async () => {
    h = await harness();
    await create('good');
    await mkdir(path.dirname(profilePath('broken')), { recursive: true });
    const brokenText = '{"name":"broken","provider":"anthropic","model":"m","buckets":[]}';
    await writeFile(profilePath('broken'), brokenText);
    await writeFile(profilePath('notjson'), '{ nope');
    expect(await h.run((factory) => runProfileList({ factory }))).toBe(1);
    expect(h.stderr()).toContain(
      `✗ broken: ${profilePath('broken')}: field buckets: list at least one bucket`,
    );
    expect(h.stderr()).toContain(`✗ notjson: ${profilePath('notjson')} is not valid JSON`);
    expect(h.stderr()).toMatch(/\*\s+good/);
    expect(await readFile(profilePath('broken'), 'utf8')).toBe(brokenText);
  });

  it('show names the missing profile and the command to create it', async () => {
    h = await harness();
    expect(await h.run((factory) => runProfileShow({ factory, name: 'ghost' }))).toBe(1);
    expect(h.stderr()).toContain('✗ there is no profile named "ghost"');
    expect(h.stderr()).toContain('Next: run `baton profile list`');
  });

  it('show of a broken file names the file and field', async () => {
    h = await harness();
    await mkdir(path.dirname(profilePath('w')), { recursive: true });
    await writeFile(
      profilePath('w'),
      JSON.stringify({ name: 'w', provider: 'anthropic', model: 'm', buckets: ['status'] }),
    );
    expect(await h.run((factory) => runProfileShow({ factory, name: 'w' }))).toBe(1);
    expect(h.stderr()).toContain(`${profilePath('w')}: field buckets.0: bucket names`);
    expect(h.stderr()).toContain('baton never overwrites a file it cannot read');
  });

  it('show without a name shows the active profile; a name that disagrees with its file is an error', async () => {
    h = await harness();
    await create('work');
    expect(await h.run((factory) => runProfileShow({ factory, json: true }))).toBe(0);
    expect(JSON.parse(h.stdout())).toMatchObject({ name: 'work', active: true });
    await writeFile(
      profilePath('other'),
      JSON.stringify({ name: 'work', provider: 'anthropic', model: 'm', buckets: ['a'] }),
    );
    expect(await h.run((factory) => runProfileShow({ factory, name: 'other' }))).toBe(1);
    expect(h.stderr()).toContain('field name: says "work" but the file is named "other.json"');
  });

  it('use switches the active profile; use of a missing profile changes nothing', async () => {
    h = await harness();
    await create('one');
    await create('two');
    expect(await h.run((factory) => runProfileUse({ factory, name: 'two' }))).toBe(0);
    expect(h.stderr()).toContain('✓ two is now the active profile');
    expect(await h.run((factory) => runProfileUse({ factory, name: 'three' }))).toBe(1);
    const settings = JSON.parse(
      await readFile(path.join(configDir(), 'settings.json'), 'utf8'),
    ) as unknown;
    expect(settings).toEqual({ activeProfile: 'two' });
  });

  it('a broken settings.json is reported with its field and never overwritten', async () => {
    h = await harness();
    await create('one');
    const file = path.join(configDir(), 'settings.json');
    await writeFile(file, '{"activeProfile": 42, "theme": "dark"}');
    expect(await h.run((factory) => runProfileUse({ factory, name: 'one' }))).toBe(1);
    expect(h.stderr()).toContain(`${file}: field activeProfile:`);
    expect(await readFile(file, 'utf8')).toBe('{"activeProfile": 42, "theme": "dark"}');
  });

  it('delete removes the file and clears the active profile; deleting it again fails', async () => {
    h = await harness();
    await create('work');
    expect(await h.run((factory) => runProfileDelete({ factory, name: 'work' }))).toBe(0);
    await expect(stat(profilePath('work'))).rejects.toThrow();
    const settings = JSON.parse(
      await readFile(path.join(configDir(), 'settings.json'), 'utf8'),
    ) as unknown;
    expect(settings).toEqual({});
    expect(await h.run((factory) => runProfileDelete({ factory, name: 'work' }))).toBe(1);
    expect(h.stderr()).toContain('there is no profile named "work"');
  });
});
