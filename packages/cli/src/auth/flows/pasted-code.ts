// Reads what a person pastes back from the provider's page: trimmed, unquoted, with the whitespace a
// terminal inserts when it wraps a long line removed; accepts a bare code, `code#state`, the query
// (`code=…&state=…`) or the whole redirect URL. Anything else is a PastedCodeFormatError.
import { PastedCodeFormatError } from './errors.js';

/** What we tell the person to paste, in every format error. */
export const PASTE_EXPECTED_FORM =
  'paste the code the page shows (`code#state`) or the whole address from the browser (https://…?code=…&state=…)';

/** Characters authorization codes and states use in practice (URL-safe base64, JWT dots, `~`). */
const CODE_CHARS = /^[A-Za-z0-9._~+/=-]+$/;
const QUOTE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ['`', '`'],
  ['\u201c', '\u201d'],
  ['\u2018', '\u2019'],
  ['<', '>'],
];

function unquote(text: string): string {
  let out = text.trim();
  for (let changed = true; changed;) {
    changed = false;
    for (const [open, close] of QUOTE_PAIRS) {
      if (out.length >= 2 && out.startsWith(open) && out.endsWith(close)) {
        out = out.slice(open.length, out.length - close.length).trim();
        changed = true;
      }
    }
  }
  return out;
}

const formatError = (what: string): PastedCodeFormatError =>
  new PastedCodeFormatError(`${what}; ${PASTE_EXPECTED_FORM}`);

function requireCodeOrError(params: URLSearchParams, what: string): URLSearchParams {
  const code = params.get('code');
  if (params.get('error')) return params;
  if (!code) throw formatError(`${what} has no code in it`);
  if (!CODE_CHARS.test(code)) throw formatError(`the code in ${what} has unexpected characters`);
  return params;
}

/** The callback parameters (code, state, error, iss, …) in what the person pasted. */
export function parsePastedCode(pasted: string): URLSearchParams {
  const text = unquote(pasted).replace(/\s+/g, '');
  if (text === '') throw formatError('nothing was pasted');
  if (/^https?:/i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw formatError('the pasted address is not a valid URL');
    }
    const fromQuery = url.searchParams;
    if (fromQuery.has('code') || fromQuery.has('error')) {
      return requireCodeOrError(fromQuery, 'the pasted address');
    }
    // Some pages put the answer in the fragment instead (`#code=…&state=…`).
    const fromFragment = new URLSearchParams(url.hash.replace(/^#/, ''));
    return requireCodeOrError(fromFragment, 'the pasted address');
  }
  const query = text.replace(/^[?#]/, '');
  if (/(^|&)(code|error)=/.test(query)) {
    return requireCodeOrError(new URLSearchParams(query), 'the pasted text');
  }
  const parts = text.split('#');
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw formatError('the pasted text is not `code#state`');
  }
  const [code = '', state] = parts;
  if (!CODE_CHARS.test(code) || (state !== undefined && !CODE_CHARS.test(state))) {
    throw formatError('the pasted text has characters no code contains');
  }
  return new URLSearchParams({ code, ...(state !== undefined ? { state } : {}) });
}
