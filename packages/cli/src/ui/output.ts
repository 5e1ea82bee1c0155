// Human output goes to stderr (glyph + colour from the scheme), data for programs to stdout:
// `--json` documents and the model's answers. Nothing here ever prints a secret on its own.
import { createColorScheme, type ColorScheme } from './color.js';
import type { IOStreams } from './io.js';
import type { Env } from '../paths.js';

export class Output {
  /** Colours for stderr, where every human line goes. */
  readonly colors: ColorScheme;

  constructor(
    readonly io: IOStreams,
    env: Env,
  ) {
    this.colors = createColorScheme(io.stderr, env);
  }

  /** A plain human line on stderr. */
  info(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  success(line: string): void {
    this.info(`${this.colors.successIcon} ${line}`);
  }

  warn(line: string): void {
    this.info(`${this.colors.warningIcon} ${line}`);
  }

  failure(line: string): void {
    this.info(`${this.colors.failureIcon} ${line}`);
  }

  /** A quiet status line (failover notes, hints). */
  note(line: string): void {
    this.info(this.colors.dim(line));
  }

  /** Machine-readable output: one JSON document on stdout. */
  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Raw data on stdout (answers, tables meant for pipes). */
  data(text: string): void {
    this.io.stdout.write(text);
  }
}

/** Pads columns so a list reads as a table; the last column is left unpadded. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)),
      )
      .join('  ')
      .trimEnd(),
  );
}

// eslint-disable-next-line no-control-regex -- strips the ANSI styles this module adds
const ANSI = /\u001B\[[0-9;]*m/g;

function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}
