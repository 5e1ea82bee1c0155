// The interactive side of a login: shows the device code or the URL, opens the browser only for a
// person at a terminal, spins while the device flow polls, reads a pasted code without echo. It runs
// the flow and returns the token; the OAuthManager alone decides where the token is stored.
import type { OAuthToken } from '@baton/core';
import { runLogin, type DeviceCodePrompt, type ResolvedProvider } from '../../auth/flows/index.js';
import type { LoginRequest } from '../../auth/oauth-manager.js';
import { UsageError } from '../../ui/errors.js';
import { startProgress, type Progress } from '../../ui/spinner.js';
import type { Factory } from '../factory.js';

/** The manager's login callback: runs one flow, returns the token, never stores it. */
export type InteractiveLoginRunner = (request: LoginRequest) => Promise<OAuthToken>;

export interface LoginRunnerOptions {
  /** false for --no-browser: print the URL only. A browser opens only on a terminal anyway. */
  browser?: boolean;
  /** --device: use the device flow even when the provider's default is a browser flow. */
  forceDevice?: boolean;
  /** Device flow poll interval instead of the server's (the demo and tests). */
  intervalMs?: number;
  /** Opens a URL (default: the `open` package). */
  openBrowser?: (url: URL) => Promise<void>;
  /** Called with each device code after it is shown (the demo approves it here). */
  onDeviceCode?: (prompt: DeviceCodePrompt, request: LoginRequest) => void | Promise<void>;
}

const MS_PER_MINUTE = 60_000;

async function openWithSystemBrowser(url: URL): Promise<void> {
  const { default: open } = await import('open');
  await open(url.toString());
}

/**
 * Switches a provider to its device flow (--device). The server must offer one: an RFC 8628
 * device authorization endpoint, or the Codex deviceauth endpoints (`deviceFlow: codex-deviceauth`).
 */
export function withDeviceFlow(provider: ResolvedProvider): ResolvedProvider {
  if (provider.config.flow === 'device') return provider;
  const offered =
    provider.config.deviceFlow === 'codex-deviceauth' ||
    provider.serverMetadata.device_authorization_endpoint !== undefined;
  if (!offered) {
    throw new UsageError(`${provider.config.name} offers no device login`, {
      next: `log in without --device: \`baton auth login ${provider.config.name}\``,
    });
  }
  return { ...provider, config: { ...provider.config, flow: 'device' } };
}

export function createLoginRunner(
  factory: Factory,
  options: LoginRunnerOptions = {},
): InteractiveLoginRunner {
  const { out } = factory;
  const browser = options.browser !== false && factory.interactive;
  const openBrowser = options.openBrowser ?? openWithSystemBrowser;

  return async (request) => {
    const provider = options.forceDevice ? withDeviceFlow(request.provider) : request.provider;
    const label = `${request.providerName}/${request.bucket}`;
    let progress: Progress | undefined;
    try {
      const result = await runLogin(provider, {
        clock: factory.clock,
        signal: request.signal,
        timeoutMs: request.timeoutMs,
        browser,
        ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
        openBrowser,
        showNotice: (text) => out.warn(text),
        showUrl: (url, kind) => {
          if (kind === 'paste') {
            out.info(`Sign in for ${label} at this address, then paste the code the page shows:`);
          } else {
            out.info(
              browser
                ? `Opening your browser to sign in ${label}. If it does not open, visit:`
                : `To sign in ${label}, open this address in a browser:`,
            );
          }
          out.info(`  ${url.toString()}`);
        },
        readPastedCode: (signal) => {
          if (!factory.interactive) {
            throw new UsageError(
              'this login needs a pasted code, and there is no terminal to paste it into',
              {
                next: `run \`baton auth login ${request.providerName} --bucket ${request.bucket}\` in a terminal`,
              },
            );
          }
          return factory.prompter.secret('Paste the code', signal);
        },
        showDeviceCode: async (prompt) => {
          const minutes = Math.max(
            1,
            Math.round((prompt.expiresAt - factory.clock.now()) / MS_PER_MINUTE),
          );
          out.info(`To sign in ${label}, open ${prompt.verificationUri} and enter the code:`);
          out.info(`  ${out.colors.bold(prompt.userCode)}`);
          if (prompt.verificationUriComplete)
            out.note(`  (or open ${prompt.verificationUriComplete})`);
          progress = await startProgress(
            out,
            `Waiting for approval (the code expires in ${minutes} min)…`,
          );
          await options.onDeviceCode?.(prompt, request);
        },
      });
      const who = result.account ? ` as ${result.account}` : '';
      if (progress) progress.succeed(`Approved: ${label}${who}`);
      else out.success(`Signed in ${label}${who}`);
      return result.token;
    } catch (error) {
      progress?.fail(`Login for ${label} did not complete`);
      throw error;
    }
  };
}
