// A baton home for reliability rows that go through the commands: the local stack's provider, a
// profile `work` over buckets a and b, device-flow logins approved as soon as the code is printed,
// and the secrets every row greps its output for.
import path from 'node:path';
import {
  EncryptedFileTokenStore,
  tokenFileName,
} from '../../src/auth/storage/encrypted-file-token-store.js';
import { runAuthLogin } from '../../src/commands/auth/login.js';
import { runAuthStatus } from '../../src/commands/auth/status.js';
import { runAsk } from '../../src/commands/ask/ask.js';
import type { LocalStack } from '../../src/commands/demo/local-stack.js';
import { saveCustomProvider } from '../../src/config/provider-registry.js';
import { saveProfile } from '../../src/config/profile.js';
import { harness, type Captured } from '../cli/harness.js';
import { secretsOf } from './checks.js';

export interface CliSession {
  h: Captured;
  login(bucket: string): Promise<number>;
  /** `baton ask <prompt>`: the exit code and what this run added to stdout and stderr. */
  ask(prompt: string): Promise<{ code: number; stdout: string; stderr: string }>;
  status(): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Every token value the store holds now. */
  secrets(): Promise<string[]>;
  tokenFile(bucket: string): string;
}

export async function cliSession(stack: LocalStack, buckets = ['a', 'b']): Promise<CliSession> {
  const h = await harness();
  await saveCustomProvider(h.factory.paths, stack.provider('local'));
  await saveProfile(h.factory.paths, { name: 'work', provider: 'local', model: 'm', buckets });
  const store = new EncryptedFileTokenStore({
    dir: h.factory.paths.tokensDir,
    passphrase: h.env.BATON_STORE_PASSPHRASE!,
  });
  const captured = async (body: () => Promise<number>) => {
    const [out, err] = [h.stdout().length, h.stderr().length];
    const code = await body();
    return { code, stdout: h.stdout().slice(out), stderr: h.stderr().slice(err) };
  };
  return {
    h,
    login: (bucket) => {
      let approved = false;
      h.watchStderr((all) => {
        const code = /enter the code:\n\s+(\S+)/.exec(
          all.slice(all.lastIndexOf(`sign in local/${bucket}`)),
        )?.[1];
        if (code && !approved) {
          approved = true;
          void stack.server.approveDeviceCode(code, { account: `acct-${bucket}` });
        }
      });
      return h.run((factory) =>
        runAuthLogin({ factory, provider: 'local', bucket, intervalMs: 50 }),
      );
    },
    ask: (prompt) => captured(() => h.run((factory) => runAsk({ factory, prompt }))),
    status: () => captured(() => h.run((factory) => runAuthStatus({ factory, json: true }))),
    secrets: async () => {
      const tokens = await Promise.all(
        (await store.listBuckets('local').catch(() => [])).map((b) =>
          store.get('local', b).catch(() => null),
        ),
      );
      return secretsOf(...tokens);
    },
    tokenFile: (bucket) => path.join(h.factory.paths.tokensDir, tokenFileName('local', bucket)),
  };
}
