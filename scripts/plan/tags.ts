// Finds the traceability tags (@plan PLAN-….P<NN>, @requirement REQ-…) in the repository's
// TypeScript and JavaScript sources and tests.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Tag {
  readonly kind: 'plan' | 'requirement';
  /** "PLAN-X.P05" for a plan tag, "REQ-1598-PR01" for a requirement tag. */
  readonly value: string;
  /** Repository-relative path with forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly inTest: boolean;
}

const SOURCE_FILE = /\.(?:ts|tsx|mts|js|mjs)$/;
const TEST_FILE = /\.test\.ts$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', 'reports', 'fixtures']);
// A tag only counts inside a comment: the text before it on its line is a comment opener.
const COMMENT_PREFIX = /^\s*(?:\/\*\*?|\*|\/\/)\s*$/;
const TAG = /@(plan|requirement)(?::\s*|\s+)([^\s*,]+(?:\s*,\s*[^\s*,]+)*)/g;
const PLAN_VALUE = /^PLAN-[A-Za-z0-9-]+\.P\d{2}$/;
const REQUIREMENT_VALUE = /^REQ-[A-Za-z0-9-]+$/;

/**
 * The directories scanned for tags: packages/<pkg>/src and packages/<pkg>/test, plus scripts/
 * (tools), skipping dependency, build and fixture directories.
 */
export function scanRoots(root: string): string[] {
  const roots: string[] = [];
  const packages = join(root, 'packages');
  if (existsSync(packages)) {
    for (const pkg of readdirSync(packages).sort()) {
      for (const sub of ['src', 'test']) {
        const dir = join(packages, pkg, sub);
        if (existsSync(dir) && statSync(dir).isDirectory()) roots.push(dir);
      }
    }
  }
  const scripts = join(root, 'scripts');
  if (existsSync(scripts)) roots.push(scripts);
  return roots;
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* walk(join(dir, entry.name));
    } else if (entry.isFile() && SOURCE_FILE.test(entry.name)) {
      yield join(dir, entry.name);
    }
  }
}

/** Tags of one file's text; values are split on commas so one tag may list several IDs. */
export function tagsInText(text: string, file: string): Tag[] {
  const tags: Tag[] = [];
  const inTest = TEST_FILE.test(file);
  text.split('\n').forEach((lineText, index) => {
    const matches = [...lineText.matchAll(TAG)];
    const first = matches[0];
    // Code or a string literal before the first tag means this is not a doc comment.
    if (first === undefined || !COMMENT_PREFIX.test(lineText.slice(0, first.index))) return;
    for (const match of matches) {
      const kind = match[1] === 'plan' ? 'plan' : 'requirement';
      for (const raw of (match[2] ?? '').split(',')) {
        const value = raw.trim().replace(/[.;:]+$/, '');
        if (value !== '') tags.push({ kind, value, file, line: index + 1, inTest });
      }
    }
  });
  return tags;
}

export function scanTags(root: string): Tag[] {
  const tags: Tag[] = [];
  for (const dir of scanRoots(root)) {
    for (const path of walk(dir)) {
      const file = relative(root, path).split('\\').join('/');
      tags.push(...tagsInText(readFileSync(path, 'utf8'), file));
    }
  }
  return tags;
}

/** Whether a tag's value has the shape its kind requires (a malformed tag is a violation). */
export function isWellFormed(tag: Tag): boolean {
  return (tag.kind === 'plan' ? PLAN_VALUE : REQUIREMENT_VALUE).test(tag.value);
}
