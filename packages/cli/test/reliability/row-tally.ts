// A vitest reporter for the reliability suite: one closing line with the rows that hold, the rows
// that show a known bug (`it.fails`), the rows skipped (no keychain, no tmpfs) and the total.
import type { Reporter, TestModule } from 'vitest/node';

export class RowTally implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let knownBugs = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'skipped' || state === 'pending') skipped++;
        else if (state === 'failed') failed++;
        else if (test.options.fails) knownBugs++;
        else passed++;
      }
    }
    const total = passed + knownBugs + failed;
    process.stdout.write(
      `\nreliability rows: ${passed} passed / ${total} total` +
        ` (${knownBugs} show a known bug, ${failed} failed${skipped ? `, ${skipped} skipped` : ''})\n`,
    );
  }
}
