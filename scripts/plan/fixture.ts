// Test helper: a private copy of the fixture repository that a test may break at will.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const FIXTURE_REPO = join(import.meta.dirname, 'fixtures', 'repo');

export interface FixtureRepo {
  readonly root: string;
  readonly planDir: string;
  write(relativePath: string, text: string): void;
  remove(relativePath: string): void;
  dispose(): void;
}

export function copyFixture(): FixtureRepo {
  const root = mkdtempSync(join(tmpdir(), 'plan-tool-'));
  cpSync(FIXTURE_REPO, root, { recursive: true });
  return {
    root,
    planDir: join(root, 'project-plans', 'demo'),
    write(relativePath, text) {
      const path = join(root, relativePath);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    },
    remove(relativePath) {
      rmSync(join(root, relativePath), { force: true });
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * A doc comment carrying one tag. Built from parts so that this repository's own scan never sees
 * a tag in the tool's tests.
 */
export function docTag(kind: 'plan' | 'requirement', value: string): string {
  return `/**\n * @${kind} ${value}\n */\nexport const tagged = 1;\n`;
}
