// Which account a token names: the id_token's email first, Anthropic's account.email_address next,
// nothing when the provider said nothing (never a guess, never a crash on a malformed id_token).
import { describe, expect, it } from 'vitest';
import type { OAuthToken } from '@baton/core';
import { loggedInAccount } from '../../src/auth/flows/index.js';

const jwt = (claims: object): string =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
const base: OAuthToken = { access_token: 'a', token_type: 'Bearer' };

describe('loggedInAccount', () => {
  it.each([
    ['id_token email', { id_token: jwt({ sub: 's', email: 'a@x.test' }) }, 'a@x.test'],
    ['id_token preferred_username', { id_token: jwt({ preferred_username: 'amy' }) }, 'amy'],
    ['Anthropic account', { account: { uuid: 'u', email_address: 'b@x.test' } }, 'b@x.test'],
    [
      'id_token wins over account',
      { id_token: jwt({ email: 'c@x.test' }), account: { email_address: 'd@x.test' } },
      'c@x.test',
    ],
    [
      'id_token without email, then account',
      { id_token: jwt({ sub: 's' }), account: { email_address: 'e@x.test' } },
      'e@x.test',
    ],
    ['malformed id_token', { id_token: 'not-a-jwt' }, undefined],
    ['id_token with a broken payload', { id_token: 'e30.%%%.sig' }, undefined],
    ['nothing said', {}, undefined],
  ])('%s', (_name, extra, expected) => {
    expect(loggedInAccount({ ...base, ...extra })).toBe(expected);
  });
});
