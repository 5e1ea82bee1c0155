// Reads a plan directory: its ID, phases (plan/NN-*.md with NNa-*.md checks), completion markers
// (.completed/P<NN>.md) and the requirement IDs that requirements.md defines.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface Phase {
  /** Two-digit number, e.g. "05". */
  readonly number: string;
  /** "P05": the form used by tags and markers. */
  readonly id: string;
  readonly title: string;
  readonly file: string;
  /** The NNa-*.md file holding the verification commands, when present. */
  readonly verificationFile: string | undefined;
  readonly completed: boolean;
}

export interface Requirement {
  readonly id: string;
  readonly text: string;
}

export interface Plan {
  readonly dir: string;
  readonly id: string;
  readonly phases: readonly Phase[];
  readonly requirements: readonly Requirement[];
  /** Marker files in .completed/ that name no phase of the plan. */
  readonly strayMarkers: readonly string[];
}

export class PlanFormatError extends Error {}

const PHASE_FILE = /^(\d{2})(a?)-.+\.md$/;
const MARKER_FILE = /^P(\d{2})(?:\.md)?$/;
const PLAN_ID = /Plan ID\W*(PLAN-[A-Za-z0-9-]+)/;
export const REQUIREMENT_ID = /REQ-\d+-[A-Z]+\d+/;
// A requirement is defined where its ID opens a heading or the first cell of a table row;
// mentions anywhere else are references.
const DEFINITION = new RegExp(
  String.raw`^(?:#{2,6}\s+|\|\s*)\**(${REQUIREMENT_ID.source})\**\s*(?:\||[-:—]\s*)?(.*)$`,
);

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

function firstHeading(path: string): string {
  const line = readText(path)
    .split('\n')
    .find((l) => l.startsWith('# '));
  return line === undefined ? basename(path) : line.slice(2).trim();
}

/** The plan's ID, declared as "Plan ID: PLAN-…" in README.md or plan/00-overview.md. */
function readPlanId(dir: string): string {
  for (const candidate of ['README.md', join('plan', '00-overview.md')]) {
    const path = join(dir, candidate);
    if (!existsSync(path)) continue;
    const match = PLAN_ID.exec(readText(path));
    if (match?.[1] !== undefined) return match[1];
  }
  throw new PlanFormatError(
    `${dir}: no "Plan ID: PLAN-…" line in README.md or plan/00-overview.md`,
  );
}

export function readRequirements(dir: string): Requirement[] {
  const path = join(dir, 'requirements.md');
  if (!existsSync(path)) throw new PlanFormatError(`${dir}: requirements.md is missing`);
  const seen = new Map<string, Requirement>();
  for (const line of readText(path).split('\n')) {
    const match = DEFINITION.exec(line.trim());
    const id = match?.[1];
    if (id === undefined || seen.has(id)) continue;
    const text = (match?.[2] ?? '').replace(/\|/g, ' ').replace(/\s+/g, ' ').trim();
    seen.set(id, { id, text });
  }
  return [...seen.values()];
}

function readMarkers(dir: string): string[] {
  const completed = join(dir, '.completed');
  if (!existsSync(completed)) return [];
  return readdirSync(completed).filter((name) => !name.startsWith('.'));
}

export function readPlan(planDir: string): Plan {
  const dir = resolve(planDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new PlanFormatError(`${planDir}: not a directory`);
  }
  const phaseDir = join(dir, 'plan');
  if (!existsSync(phaseDir)) throw new PlanFormatError(`${planDir}: plan/ is missing`);

  const mains = new Map<string, string>();
  const checks = new Map<string, string>();
  for (const name of readdirSync(phaseDir).sort()) {
    const match = PHASE_FILE.exec(name);
    if (match?.[1] === undefined) continue;
    (match[2] === 'a' ? checks : mains).set(match[1], join(phaseDir, name));
  }

  const markers = readMarkers(dir);
  const markedNumbers = new Set<string>();
  const strayMarkers: string[] = [];
  for (const marker of markers) {
    const number = MARKER_FILE.exec(marker)?.[1];
    if (number !== undefined && (mains.has(number) || checks.has(number)))
      markedNumbers.add(number);
    else strayMarkers.push(marker);
  }

  const numbers = [...new Set([...mains.keys(), ...checks.keys()])].sort();
  const phases = numbers.map((number): Phase => {
    const file = mains.get(number) ?? checks.get(number) ?? '';
    return {
      number,
      id: `P${number}`,
      title: firstHeading(file),
      file,
      verificationFile: checks.get(number),
      completed: markedNumbers.has(number),
    };
  });

  return { dir, id: readPlanId(dir), phases, requirements: readRequirements(dir), strayMarkers };
}

/**
 * The repository a plan belongs to: the nearest ancestor holding a packages/ directory (the
 * fixture plans of the tool's own tests are small repositories of their own).
 */
export function findRepoRoot(planDir: string): string {
  let dir = resolve(planDir);
  for (;;) {
    if (existsSync(join(dir, 'packages')) && statSync(join(dir, 'packages')).isDirectory()) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new PlanFormatError(`${planDir}: no packages/ directory above it`);
    dir = parent;
  }
}

/** Every plan of the repository (project-plans/<name>/ with a requirements.md). */
export function readSiblingPlans(root: string): Plan[] {
  const plansDir = join(root, 'project-plans');
  if (!existsSync(plansDir)) return [];
  return readdirSync(plansDir)
    .map((name) => join(plansDir, name))
    .filter((path) => statSync(path).isDirectory() && existsSync(join(path, 'requirements.md')))
    .map((path) => readPlan(path));
}
