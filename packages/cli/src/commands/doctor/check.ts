// The shape of one doctor finding: what was looked at, how it went, and the fix when it went wrong.
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** Short label: "keychain", "config dir", "clock". */
  name: string;
  status: CheckStatus;
  detail: string;
  /** One line saying what to do; present for warn and fail. */
  fix?: string;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: 'warn',
  detail,
  fix,
});
export const fail = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: 'fail',
  detail,
  fix,
});
