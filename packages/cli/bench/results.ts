// The figures one `pnpm bench` run collects: summary statistics, one table row per figure (value
// next to its target), printed at the end and written to bench/results.json of this package.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

export interface Row {
  /** Which measurement (issue 15 item) the row belongs to. */
  section: string;
  figure: string;
  value: string;
  target?: string;
  /** 'met' / 'missed' when the row has a target it can be checked against. */
  verdict?: 'met' | 'missed';
  /** Raw numbers behind the value, for results.json. */
  data?: Record<string, unknown>;
}

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export const ms = (value: number): string => `${value.toFixed(2)} ms`;

export function verdict(ok: boolean): 'met' | 'missed' {
  return ok ? 'met' : 'missed';
}

/** The machine a run came from: figures mean little without it. */
export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform} ${os.release()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
  };
}

export function printTable(rows: readonly Row[]): void {
  const widths = { figure: 0, value: 0, target: 0 };
  for (const row of rows) {
    widths.figure = Math.max(widths.figure, row.figure.length);
    widths.value = Math.max(widths.value, row.value.length);
    widths.target = Math.max(widths.target, row.target?.length ?? 0);
  }
  let section = '';
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      console.log(`\n${section}`);
    }
    console.log(
      `  ${row.figure.padEnd(widths.figure)}  ${row.value.padEnd(widths.value)}  ${(row.target ?? '').padEnd(widths.target)}  ${row.verdict ?? ''}`.trimEnd(),
    );
  }
}

export async function writeResults(
  rows: readonly Row[],
  startedAt: Date,
  run: Record<string, number>,
): Promise<void> {
  const body = { startedAt: startedAt.toISOString(), machine: machine(), run, rows };
  await writeFile(RESULTS_FILE, `${JSON.stringify(body, null, 2)}\n`);
}
