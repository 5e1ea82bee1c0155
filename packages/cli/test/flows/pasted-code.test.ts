// What people really paste: quotes from the page, line breaks from a wrapped terminal, the whole
// address bar, or something else entirely (which must be a typed error naming the expected form).
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  OAuthFlowError,
  PASTE_EXPECTED_FORM,
  PastedCodeFormatError,
  parsePastedCode,
} from '../../src/auth/flows/index.js';
import { thrownBy } from './helpers.js';

const codeish = fc.stringMatching(/^[A-Za-z0-9_-]{4,48}$/);
const quotes = fc.constantFrom(['', ''], ['"', '"'], ["'", "'"], ['`', '`'], ['\u201c', '\u201d']);

/** Breaks `text` with newlines and spaces at the given positions, as a wrapping terminal does. */
function wrap(text: string, cuts: number[]): string {
  let out = text;
  for (const cut of [...cuts].sort((a, b) => b - a)) {
    const at = cut % (out.length + 1);
    out = `${out.slice(0, at)}\n  ${out.slice(at)}`;
  }
  return out;
}

describe('parsePastedCode', () => {
  test.prop([codeish, codeish, quotes, fc.array(fc.nat(), { maxLength: 4 })])(
    'code#state, query and full URL read the same, quoted or wrapped',
    (code, state, [open, close], cuts) => {
      const forms = [
        `${code}#${state}`,
        `code=${code}&state=${state}`,
        `?code=${code}&state=${state}`,
        `https://platform.claude.com/oauth/code/callback?code=${code}&state=${state}`,
        `https://example.test/cb#code=${code}&state=${state}`,
      ];
      for (const form of forms) {
        const params = parsePastedCode(`  ${open}${wrap(form, cuts)}${close} \n`);
        expect(params.get('code')).toBe(code);
        expect(params.get('state')).toBe(state);
      }
    },
  );

  it('a bare code has no state (the flow supplies its own)', () => {
    const params = parsePastedCode(' "4/0AbCd-EfGh_123" ');
    expect(params.get('code')).toBe('4/0AbCd-EfGh_123');
    expect(params.has('state')).toBe(false);
  });

  it('an error redirect is passed on, for the flow to check its state first', () => {
    const params = parsePastedCode('https://x.test/cb?error=access_denied&state=s1');
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe('s1');
  });

  it.each([
    ['nothing', '  ""  '],
    ['a malformed URL', 'https://[not a host/cb?code=abc'],
    ['a URL without a code', 'https://platform.claude.com/oauth/code/callback?state=s'],
    ['two hashes', 'abc#def#ghi'],
    ['an empty state', 'abc#'],
    ['prose', 'I could not find the code!'],
    ['a query without a code', 'state=abc&code='],
  ])('%s is a PastedCodeFormatError naming the expected form', (_name, pasted) => {
    const error = thrownBy(() => parsePastedCode(pasted));
    expect(error).toBeInstanceOf(PastedCodeFormatError);
    expect(error).toBeInstanceOf(OAuthFlowError);
    expect((error as Error).message).toContain(PASTE_EXPECTED_FORM);
  });

  test.prop([fc.string()])('never throws anything but a PastedCodeFormatError', (pasted) => {
    try {
      parsePastedCode(pasted);
    } catch (error) {
      expect(error).toBeInstanceOf(PastedCodeFormatError);
    }
  });
});
