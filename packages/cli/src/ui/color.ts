// One colour scheme per output stream: ANSI styles only when the stream is a terminal and the user
// has not asked for plain text (NO_COLOR, TERM=dumb), so piped output and logs stay clean.
import type { Env } from '../paths.js';

export interface ColorScheme {
  readonly enabled: boolean;
  bold: (text: string) => string;
  dim: (text: string) => string;
  red: (text: string) => string;
  green: (text: string) => string;
  yellow: (text: string) => string;
  cyan: (text: string) => string;
  /** Glyphs for human output lines. */
  readonly successIcon: string;
  readonly failureIcon: string;
  readonly warningIcon: string;
}

export interface TtyAware {
  isTTY?: boolean;
}

const style =
  (enabled: boolean, open: number, close: number) =>
  (text: string): string =>
    enabled ? `\u001B[${open}m${text}\u001B[${close}m` : text;

/** NO_COLOR (any non-empty value, no-color.org) and TERM=dumb switch colour off. */
export function colorEnabled(stream: TtyAware, env: Env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export function createColorScheme(stream: TtyAware, env: Env): ColorScheme {
  const enabled = colorEnabled(stream, env);
  const green = style(enabled, 32, 39);
  const red = style(enabled, 31, 39);
  const yellow = style(enabled, 33, 39);
  return {
    enabled,
    bold: style(enabled, 1, 22),
    dim: style(enabled, 2, 22),
    red,
    green,
    yellow,
    cyan: style(enabled, 36, 39),
    successIcon: green('✓'),
    failureIcon: red('✗'),
    warningIcon: yellow('!'),
  };
}
