// Stryker writes the absolute path of the package it ran in ("projectRoot") into its incremental
// file. The file is committed, so that machine-specific path is replaced by "." after every run;
// Stryker matches earlier results by the relative file names, never by this field.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

for (const file of [
  'packages/core/stryker-incremental.json',
  'packages/cli/stryker-incremental.json',
]) {
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  if (report.projectRoot === '.') continue;
  report.projectRoot = '.';
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
