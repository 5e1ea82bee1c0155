// The key material of version-1 token files written without a passphrase: machine id (else the
// hostname), uid, user name and home dir. Only read, so files from older versions still open;
// nothing new is written with it (it changes with the hostname and anyone here can recompute it).
import { readFile } from 'node:fs/promises';
import os from 'node:os';

const MACHINE_ID_FILES = ['/etc/machine-id', '/var/lib/dbus/machine-id'];

async function readMachineId(): Promise<string> {
  for (const file of MACHINE_ID_FILES) {
    const id = await readFile(file, 'utf8').then(
      (text) => text.trim(),
      () => '',
    );
    if (id !== '') return id;
  }
  return os.hostname();
}

/** The secret version 1 fed to scrypt for `keySource: 'machine'`. */
export async function legacyMachineSecret(): Promise<string> {
  const machineId = await readMachineId();
  const user = os.userInfo();
  return ['baton-machine-key', machineId, String(user.uid), user.username, user.homedir].join(
    '\u0000',
  );
}
