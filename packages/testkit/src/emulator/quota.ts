// Per-account fixed-window request quotas: pure window arithmetic on an injected clock, so windows
// reset on their own as time passes (real or fake).
import type { Clock } from '@baton/core';
import type { QuotaRule } from './types.js';

const MS_PER_SECOND = 1000;

export type QuotaDecision =
  | { allowed: true; rule: QuotaRule; remaining: number; resetAt: number }
  | { allowed: false; rule: QuotaRule; remaining: 0; resetAt: number; retryAfterMs: number };

interface Window {
  start: number;
  used: number;
}

export class QuotaWindows {
  private readonly windows = new Map<string, Window>();
  private readonly rules = new Map<string, QuotaRule>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    rules: Record<string, QuotaRule> = {},
    private readonly defaultRule?: QuotaRule,
  ) {
    for (const [account, rule] of Object.entries(rules)) this.setRule(account, rule);
    if (defaultRule) validateRule(defaultRule);
  }

  setRule(account: string, rule: QuotaRule | undefined): void {
    this.windows.delete(account);
    if (rule === undefined) this.rules.delete(account);
    else this.rules.set(account, validateRule(rule));
  }

  ruleFor(account: string): QuotaRule | undefined {
    return this.rules.get(account) ?? this.defaultRule;
  }

  /** Spends one request of the account's window, or says when the window resets. */
  take(account: string): QuotaDecision | undefined {
    const rule = this.ruleFor(account);
    if (!rule) return undefined;
    const now = this.clock.now();
    let window = this.windows.get(account);
    if (!window || now >= window.start + rule.windowMs) {
      window = { start: now, used: 0 };
      this.windows.set(account, window);
    }
    const resetAt = window.start + rule.windowMs;
    if (window.used >= rule.requestsPerWindow) {
      return { allowed: false, rule, remaining: 0, resetAt, retryAfterMs: resetAt - now };
    }
    window.used++;
    return { allowed: true, rule, remaining: rule.requestsPerWindow - window.used, resetAt };
  }
}

/** Retry-After in whole seconds, rounded up and never 0 (a client told "0" would retry at once). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / MS_PER_SECOND));
}

function validateRule(rule: QuotaRule): QuotaRule {
  if (!Number.isInteger(rule.requestsPerWindow) || rule.requestsPerWindow < 0)
    throw new RangeError('requestsPerWindow must be a non-negative integer');
  if (!Number.isFinite(rule.windowMs) || rule.windowMs <= 0)
    throw new RangeError('windowMs must be a positive number of milliseconds');
  return rule;
}
