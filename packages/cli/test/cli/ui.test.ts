import { PassThrough } from 'node:stream';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '@baton/core';
import { colorEnabled, createColorScheme } from '../../src/ui/color.js';
import { createCountdown } from '../../src/ui/countdown.js';
import { failoverLine } from '../../src/ui/failover-line.js';
import { Output, formatTable } from '../../src/ui/output.js';
import { redactText } from '../../src/ui/redact.js';

const secret = fc.stringMatching(/^[A-Za-z0-9._~+/-]{12,80}$/);

describe('redactText', () => {
  test.prop([secret])('never lets a bearer value or a token field through', (value) => {
    const lines = [
      `authorization: Bearer ${value}`,
      `{"access_token":"${value}","token_type":"Bearer"}`,
      `refresh_token=${value}&grant_type=refresh_token`,
      `x-api-key: ${value}`,
    ];
    for (const line of lines) {
      const out = redactText(line);
      expect(out).not.toContain(value);
      expect(out).toContain(`…(len ${value.length})`);
    }
  });

  it('leaves ordinary text alone', () => {
    const line = 'switched from a to b (quota-exhausted, retry after 14:05)';
    expect(redactText(line)).toBe(line);
  });
});

describe('colour', () => {
  it('is on only for a terminal without NO_COLOR or TERM=dumb', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    const onTty = createColorScheme({ isTTY: true }, {});
    expect(onTty.red('x')).toBe('\u001B[31mx\u001B[39m');
    expect(createColorScheme({ isTTY: false }, {}).red('x')).toBe('x');
  });

  it('tables align on visible width, ignoring colour codes', () => {
    const red = createColorScheme({ isTTY: true }, {}).red;
    expect(
      formatTable([
        ['a', 'bb', 'c'],
        [red('xyz'), 'y', 'z'],
      ]),
    ).toEqual(['a    bb  c', `${red('xyz')}  y   z`]);
  });
});

describe('failover line', () => {
  const now = new Date(2026, 10, 30, 13, 0).getTime();
  it.each([
    [
      {
        reason: 'quota-exhausted',
        retryAt: new Date(2026, 10, 30, 14, 5).getTime(),
        via: 'usable',
      },
      'bucket a out of quota until 14:05 → using b',
    ],
    [{ reason: 'quota-exhausted', via: 'usable' }, 'bucket a out of quota → using b'],
    [
      { reason: 'expired-refresh-failed', via: 'login' },
      'bucket a has an expired login → using b (after a login)',
    ],
    [{ reason: 'no-token', via: 'refreshed' }, 'bucket a is not logged in → using b (refreshed)'],
    [{ reason: 'refused', via: 'usable' }, 'bucket a was refused by the provider → using b'],
  ] as const)('%j', (event, line) => {
    expect(failoverLine({ provider: 'p', from: 'a', to: 'b', ...event }, now)).toBe(line);
  });
});

/**
 * @plan PLAN-20260223-ISSUE1598.P17
 * @requirement REQ-1598-CLI04
 */
describe('wait countdown', () => {
  function capture(tty: boolean) {
    const stderr = Object.assign(new PassThrough(), { isTTY: tty });
    let text = '';
    stderr.on('data', (c: Buffer) => (text += c.toString()));
    const out = new Output({ stdin: new PassThrough(), stdout: new PassThrough(), stderr }, {});
    return { out, text: () => text };
  }

  it('says nothing for waits up to 2 s and one line for longer ones off a terminal', () => {
    const { out, text } = capture(false);
    const countdown = createCountdown(out, new FakeClock());
    countdown.start(2_000, 'backoff on bucket a');
    expect(text()).toBe('');
    countdown.start(12_300, 'retry-after on bucket a');
    expect(text()).toBe('waiting 13 s (retry-after on bucket a)\n');
    countdown.stop();
  });

  it('draws in place on a terminal and clears the line when stopped', () => {
    const { out, text } = capture(true);
    const clock = new FakeClock();
    const countdown = createCountdown(out, clock);
    countdown.start(5_000, 'backoff on bucket b');
    expect(text()).toContain('waiting 5 s (backoff on bucket b)… Ctrl-C cancels');
    countdown.stop();
    expect(text().endsWith('\r\u001B[2K')).toBe(true);
  });
});
