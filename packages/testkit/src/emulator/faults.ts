// Fault injection: a queue of one-shot (or n-shot) faults that the next matching requests consume.
import type { EmulatorRoute, Fault, FaultKind, FaultMatch } from './types.js';

export interface FaultTarget {
  route: EmulatorRoute;
  account: string;
  stream: boolean;
}

/** Faults that only make sense on a streamed response. */
const STREAM_ONLY: ReadonlySet<FaultKind> = new Set(['cut-stream', 'no-terminal', 'stall']);

export class FaultQueue {
  private faults: Fault[] = [];

  add(kind: FaultKind, count: number, match: FaultMatch, extra: Partial<Fault> = {}): void {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError('count must be an integer >= 1');
    if (extra.amount !== undefined && !(Number.isFinite(extra.amount) && extra.amount >= 0))
      throw new RangeError('amount must be a finite number >= 0');
    this.faults.push({ ...extra, kind, match: { ...match }, remaining: count });
  }

  clear(): void {
    this.faults = [];
  }

  /** Takes one use of the first pending fault of `kind` that matches the request, if any. */
  take(kind: FaultKind, target: FaultTarget): Fault | undefined {
    if (STREAM_ONLY.has(kind) && !target.stream) return undefined;
    const fault = this.faults.find((f) => f.kind === kind && matches(f.match, target));
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return { ...fault };
  }

  /** The stream fault for this request: the first pending one of any stream kind. */
  takeStreamFault(target: FaultTarget): Fault | undefined {
    if (!target.stream) return undefined;
    const fault = this.faults.find((f) => STREAM_ONLY.has(f.kind) && matches(f.match, target));
    return fault ? this.take(fault.kind, target) : undefined;
  }
}

function matches(match: FaultMatch, target: FaultTarget): boolean {
  return (
    (match.account === undefined || match.account === target.account) &&
    (match.route === undefined || match.route === target.route)
  );
}
