// The loopback side of a PKCE login (RFC 8252 §7.3): binds 127.0.0.1 only, tries the configured
// ports in order, and hands over only the callback that carries this login's `state`; anything else
// on the path (a prefetch, a reload, a stale tab, a forged `?error=`) gets a 400 page while the login
// keeps waiting. Providers whose logins take over each other's port also answer `GET /cancel`.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, throwIfAborted, type Clock } from '@baton/core';
import { CallbackPortUnavailableError, LoginCancelledError } from './errors.js';
import { CANCEL_PATH, takeOverPort } from './port-takeover.js';
import type { CallbackPorts } from './provider-config.js';

export const LOOPBACK_BIND_HOST = '127.0.0.1';

export interface CallbackRequest {
  /** The callback URL as the redirect URI saw it (host as configured, not as bound). */
  url: URL;
  /** Answers the browser; only the first call has an effect. */
  respond(status: number, title: string, message: string): void;
}

export interface CallbackListener {
  readonly port: number;
  readonly redirectUri: string;
  /**
   * The first request to the callback path that carries the expected state. Rejects with
   * LoginCancelledError when a newer login sent `GET /cancel` first (cancelPrevious only).
   */
  readonly callback: Promise<CallbackRequest>;
  /** Requests turned away so far (wrong or missing state, wrong method). */
  readonly rejected: number;
  readonly server: Server;
  close(): Promise<void>;
}

export interface ListenOptions {
  host: string;
  path: string;
  ports: CallbackPorts;
  /**
   * Take a busy port over from an earlier login (send it `GET /cancel`, retry the bind), and give
   * this one's port up the same way. Off unless the provider asks for it (Codex does).
   */
  cancelPrevious?: boolean;
  /** Paces the bind retries after a cancel (tests inject a FakeClock). */
  clock?: Clock;
  /** Ends the port search, including its waits, with the abort. */
  signal?: AbortSignal;
  /**
   * The login's `state`: only a callback carrying it is handed over. It is checked before `error`,
   * so a page that is not part of this login cannot end it. Without it, any callback is accepted.
   */
  expectedState?: string;
}

const HTTP_OK = 200;
const HTTP_BAD_REQUEST = 400;
const HTTP_NOT_FOUND = 404;
const HTTP_CONFLICT = 409;

/** Compares two states without leaking, through timing, how much of a guess was right. */
export function sameState(received: string | null, expected: string): boolean {
  if (received === null) return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function page(title: string, message: string): string {
  const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1><p>${esc(message)}</p></body></html>`;
}

function send(res: ServerResponse, status: number, title: string, message: string): void {
  const html = page(title, message);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'close',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

function tryListen(server: Server, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(undefined);
      else reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, LOOPBACK_BIND_HOST);
  });
}

/** The ports to try, in order: each port of a range, or the listed ones. */
export function candidatePorts(ports: CallbackPorts): number[] {
  if (Array.isArray(ports)) return [...ports];
  const range: number[] = [];
  for (let port = ports.from; port <= ports.to; port++) range.push(port);
  return range;
}

/** The ports for a message: "1455-1460" for a range, "1455, 1457" for a list. */
export function describePorts(ports: CallbackPorts): string {
  return Array.isArray(ports) ? ports.join(', ') : `${ports.from}-${ports.to}`;
}

/** Binds the first port that is free, or that an earlier login gives up; undefined when none. */
async function bindFirstFree(server: Server, options: ListenOptions): Promise<number | undefined> {
  const clock = options.clock ?? systemClock;
  for (const candidate of candidatePorts(options.ports)) {
    throwIfAborted(options.signal);
    const port = await tryListen(server, candidate);
    if (port !== undefined) return port;
    // Port 0 is never busy; only a named port can be held by an earlier login.
    if (!options.cancelPrevious || candidate === 0) continue;
    const taken = await takeOverPort(candidate, (p) => tryListen(server, p), {
      clock,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (taken !== undefined) return taken;
  }
  return undefined;
}

export async function listenForCallback(options: ListenOptions): Promise<CallbackListener> {
  let deliver: (request: CallbackRequest) => void = () => undefined;
  let cancel: (error: Error) => void = () => undefined;
  const callback = new Promise<CallbackRequest>((resolve, reject) => {
    deliver = resolve;
    cancel = reject;
  });
  // A cancel may arrive before anyone awaits the callback; the flow still sees it when it does.
  callback.catch(() => undefined);
  let received = false;
  let rejected = 0;
  // Known once a port is bound; requests before that cannot happen.
  const target: { base?: URL } = {};

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const base = target.base;
    const url = base ? new URL(req.url ?? '/', base) : undefined;
    if (options.cancelPrevious && url?.pathname === CANCEL_PATH && req.method === 'GET') {
      if (received) {
        // The login already has its callback; it ends on its own in a moment.
        send(res, HTTP_CONFLICT, 'Login already finished', 'This login is completing.');
        return;
      }
      received = true;
      // Closing the listening socket frees the port at once; this connection still gets its answer.
      server.close();
      send(res, HTTP_OK, 'Login cancelled', 'A newer login took over this port.');
      cancel(new LoginCancelledError());
      return;
    }
    if (!url || url.pathname !== options.path) {
      send(res, HTTP_NOT_FOUND, 'Not found', 'This address only receives a login callback.');
      return;
    }
    if (received) {
      send(res, HTTP_CONFLICT, 'Login already finished', 'You can close this window.');
      return;
    }
    const expected = options.expectedState;
    const ours =
      req.method === 'GET' &&
      (expected === undefined || sameState(url.searchParams.get('state'), expected));
    if (!ours) {
      rejected += 1;
      send(
        res,
        HTTP_BAD_REQUEST,
        'Not this login',
        'This page does not belong to the login baton is waiting for. Finish the login in the tab baton opened, or start it again.',
      );
      return;
    }
    received = true;
    let answered = false;
    deliver({
      url,
      respond: (status, title, message) => {
        if (answered) return;
        answered = true;
        send(res, status, title, message);
      },
    });
  });
  // A keep-alive browser connection must not hold the process open.
  server.keepAliveTimeout = 1;

  const port = await bindFirstFree(server, options);
  if (port === undefined) {
    throw new CallbackPortUnavailableError(
      `no free port for the login callback among ${describePorts(options.ports)} on ${LOOPBACK_BIND_HOST}`,
    );
  }
  const redirectUri = `http://${options.host}:${port}${options.path}`;
  target.base = new URL(redirectUri);

  return {
    port,
    redirectUri,
    callback,
    get rejected() {
      return rejected;
    },
    server,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
