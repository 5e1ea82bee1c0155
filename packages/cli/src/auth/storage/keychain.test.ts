import { describe, expect, it } from 'vitest';
import { FakeClock, TokenStoreError } from '@baton/core';
import { classifyKeychainMessage, createKeychain, KEYCHAIN_TIMEOUT_MS } from './keychain.js';

describe('classifyKeychainMessage', () => {
  it.each([
    ['The name org.freedesktop.secrets was not provided by any .service files', 'UNAVAILABLE'],
    [
      'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead',
      'UNAVAILABLE',
    ],
    [
      'Platform failure: DBus error: Failed to connect to socket /x: No such file or directory',
      'UNAVAILABLE',
    ],
    ["Couldn't access platform storage: Secret Service: unlock prompt was dismissed", 'LOCKED'],
    [
      'zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object',
      'LOCKED',
    ],
    ["Couldn't access platform storage: Secret Service: no result found", 'LOCKED'],
    ['Access denied by the user', 'DENIED'],
    [
      'Platform failure: DBus error: Did not receive a reply. Possible causes include: the remote application did not send a reply, the message bus security policy blocked the reply, the reply timeout expired, or the network connection was broken.',
      'TIMEOUT',
    ],
    ['Operation not permitted', 'DENIED'],
  ] as const)('%s → %s', (message, code) => {
    expect(classifyKeychainMessage(message)).toBe(code);
  });
});

describe('createKeychain', () => {
  it('reports UNAVAILABLE when the keyring module cannot be loaded', async () => {
    const keychain = createKeychain({
      loadBinding: () => Promise.reject(new Error('Cannot find native binding')),
    });
    const error = await keychain.getPassword('baton', 'p:b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenStoreError);
    expect((error as TokenStoreError).code).toBe('UNAVAILABLE');
    expect((error as Error).message).toContain('could not be loaded');
  });

  it('gives up with TIMEOUT when a call does not answer within the limit', async () => {
    const clock = new FakeClock();
    // A binding whose calls never settle stands in for a keychain blocked on a prompt.
    const never = new Promise<never>(() => undefined);
    const keychain = createKeychain({
      clock,
      loadBinding: () =>
        Promise.resolve({
          AsyncEntry: class {
            getPassword = () => never;
            setPassword = () => never;
            deletePassword = () => never;
          },
          findCredentialsAsync: () => never,
        }),
    });
    const pending = keychain.setPassword('baton', 'p:b', 'x').catch((e: unknown) => e);
    await clock.advance(KEYCHAIN_TIMEOUT_MS - 1);
    await clock.advance(1);
    const error = (await pending) as TokenStoreError;
    expect(error.code).toBe('TIMEOUT');
    expect(clock.sleeps).toEqual([KEYCHAIN_TIMEOUT_MS]);
  });
});
