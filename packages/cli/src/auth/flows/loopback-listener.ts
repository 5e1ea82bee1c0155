// The loopback side of a PKCE login (RFC 8252 §7.3): binds 127.0.0.1 only, tries a range of ports,
// accepts exactly one callback on its path, answers with a short page and then goes away.
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
  /** The first request to the callback path. */
  readonly callback: Promise<CallbackRequest>;
  readonly server: Server;
  close(): Promise<void>;
}

export interface ListenOptions {
  host: string;
  path: string;
  ports: { from: number; to: number };
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
  // Known once a port is bound; requests before that cannot happen.
  const target: { base?: URL } = {};

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const base = target.base;
    const url = base ? new URL(req.url ?? '/', base) : undefined;
    if (!url || url.pathname !== options.path || req.method !== 'GET') {
      send(res, 404, 'Not found', 'This address only receives a login callback.');
      return;
    }
    if (received) {
      send(res, 409, 'Login already finished', 'You can close this window.');
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
