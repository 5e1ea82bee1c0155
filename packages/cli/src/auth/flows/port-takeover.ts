// Taking a callback port over from an earlier login, as the Codex CLI does when its port is busy
// (openai/codex `codex-rs/login/src/server.rs`, `bind_server` and `send_cancel_request`).
//
// What the Codex CLI does there, read 2026-11: when binding 127.0.0.1:<port> fails with "address in
// use", it sends one `GET /cancel HTTP/1.1` (Host 127.0.0.1:<port>, `Connection: close`) to that
// port, allowing 2 s to connect and 2 s to read, and ignores the answer and any failure. It then
// retries the bind every 200 ms (RETRY_DELAY), up to 10 tries (MAX_ATTEMPTS), before it moves from
// DEFAULT_PORT (1455) to FALLBACK_PORT (1457). An earlier Codex login server that receives /cancel
// answers 200 "Login cancelled" with `Connection: close` and ends its login with an error, which
// frees the port. baton does the same for every port of a provider that opts in (`cancelPrevious`).
import { request } from 'node:http';
import type { Clock } from '@baton/core';

/** The Codex CLI's connect and read limit for the cancel request (send_cancel_request: 2 s). */
export const CANCEL_REQUEST_TIMEOUT_MS = 2_000;
/** The pause before each new bind attempt (bind_server: RETRY_DELAY = 200 ms). */
export const REBIND_DELAY_MS = 200;
/** Bind attempts after the cancel before the next port is tried (bind_server: MAX_ATTEMPTS = 10). */
export const REBIND_ATTEMPTS = 10;
/** The path a login callback server answers to give its port up. */
export const CANCEL_PATH = '/cancel';

/**
 * Asks whatever listens on 127.0.0.1:`port` to cancel its login. Settles once it answered, failed,
 * timed out or the signal aborted: the answer does not matter, only whether the port frees up.
 */
export function requestCancel(port: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: CANCEL_PATH,
      method: 'GET',
      headers: { connection: 'close' },
      agent: false,
      timeout: CANCEL_REQUEST_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve());
      res.on('error', () => resolve());
    });
    req.on('timeout', () => req.destroy());
    // A refused connection, a reset, a timeout or an abort all end the attempt the same way.
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.end();
  });
}

export interface TakeoverOptions {
  clock: Clock;
  signal?: AbortSignal;
}

/**
 * Sends the busy `port` a cancel, then retries `bind` on the Codex CLI's schedule. Resolves with
 * the bound port, or undefined when the port stayed busy (a server that is not a login ignores
 * /cancel). Every wait ends early, with the abort, when the signal aborts.
 */
export async function takeOverPort(
  port: number,
  bind: (port: number) => Promise<number | undefined>,
  options: TakeoverOptions,
): Promise<number | undefined> {
  await requestCancel(port, options.signal);
  for (let attempt = 0; attempt < REBIND_ATTEMPTS; attempt++) {
    await options.clock.sleep(REBIND_DELAY_MS, options.signal);
    const bound = await bind(port);
    if (bound !== undefined) return bound;
  }
  return undefined;
}
