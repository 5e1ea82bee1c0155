// The loopback side of a PKCE login (RFC 8252 §7.3): binds 127.0.0.1 only, tries a range of ports,
// and hands over only the callback that carries this login's `state`; anything else on the path (a
// prefetch, a reload, a stale tab, a forged `?error=`) gets a 400 page while the login keeps waiting.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackPortUnavailableError } from './errors.js';

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
  /** The first request to the callback path that carries the expected state. */
  readonly callback: Promise<CallbackRequest>;
  /** Requests turned away so far (wrong or missing state, wrong method). */
  readonly rejected: number;
  readonly server: Server;
  close(): Promise<void>;
}

export interface ListenOptions {
  host: string;
  path: string;
  ports: { from: number; to: number };
  /**
   * The login's `state`: only a callback carrying it is handed over. It is checked before `error`,
   * so a page that is not part of this login cannot end it. Without it, any callback is accepted.
   */
  expectedState?: string;
}

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

export async function listenForCallback(options: ListenOptions): Promise<CallbackListener> {
  let deliver: (request: CallbackRequest) => void = () => undefined;
  const callback = new Promise<CallbackRequest>((resolve) => {
    deliver = resolve;
  });
  let received = false;
  let rejected = 0;
  // Known once a port is bound; requests before that cannot happen.
  const target: { base?: URL } = {};

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const base = target.base;
    const url = base ? new URL(req.url ?? '/', base) : undefined;
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

  let port: number | undefined;
  for (let candidate = options.ports.from; candidate <= options.ports.to; candidate++) {
    port = await tryListen(server, candidate);
    if (port !== undefined) break;
  }
  if (port === undefined) {
    throw new CallbackPortUnavailableError(
      `no free port for the login callback in ${options.ports.from}-${options.ports.to} on ${LOOPBACK_BIND_HOST}`,
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
