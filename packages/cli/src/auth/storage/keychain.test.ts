// Keychain error classification, and the helper process reporting a binding that does not load.
import { describe, expect, it } from 'vitest';
import { TokenStoreError } from '@baton/core';
import { classifyKeychainMessage, createKeychain } from './keychain.js';

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
    ['Entry is matched by 2 credentials: [SsCredential { ... }, SsCredential { ... }]', 'CORRUPT'],
    ['Password data is not valid UTF-8', 'CORRUPT'],
  ] as const)('%s → %s', (message, code) => {
    expect(classifyKeychainMessage(message)).toBe(code);
  });
});

describe('createKeychain', () => {
  it('reports UNAVAILABLE when the keyring module cannot be loaded (in the helper process)', async () => {
    const keychain = createKeychain({ modulePath: '/nonexistent/keyring-binding.js' });
    const error = await keychain.getPassword('baton', 'p:b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenStoreError);
    expect((error as TokenStoreError).code).toBe('UNAVAILABLE');
    expect((error as Error).message).toContain('could not be loaded');
  });
});
