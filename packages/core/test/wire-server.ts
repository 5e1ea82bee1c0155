// A plain node:http server for the wire-client tests: each test scripts the answers (status, headers,
// SSE frames, dropped sockets) and reads back what the client sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  /** Path with query string. */
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type WireHandler = (request: SeenRequest, response: ServerResponse) => void;

export interface WireServer {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** Answers requests in order; the last handler answers every request after it. */
  answer(...handlers: WireHandler[]): void;
  close(): Promise<void>;
}

export async function startWireServer(): Promise<WireServer> {
  const seen: SeenRequest[] = [];
  let handlers: WireHandler[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      const handler = handlers[Math.min(seen.length, handlers.length - 1)];
      seen.push(request);
      if (handler) handler(request, res);
      else json(404, { error: { message: 'no answer scripted' } })(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    answer: (...next) => {
      handlers = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A JSON answer. */
export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): WireHandler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

export interface SseFrame {
  event?: string;
  data: unknown;
}

/**
 * An SSE answer with status 200. `dropAfter` destroys the socket after that many frames instead of
 * ending the response cleanly.
 */
export const sse =
  (frames: SseFrame[], options: { dropAfter?: number } = {}): WireHandler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    frames.forEach((frame, index) => {
      if (options.dropAfter !== undefined && index >= options.dropAfter) return;
      const head = frame.event !== undefined ? `event: ${frame.event}\n` : '';
      res.write(`${head}data: ${JSON.stringify(frame.data)}\n\n`);
    });
    if (options.dropAfter !== undefined) setTimeout(() => res.socket?.destroy(), 20);
    else res.end();
  };

/** Closes the connection without any answer. */
export const hangUp: WireHandler = (_req, res) => {
  res.socket?.destroy();
};

/** Sends headers and then nothing, until the client gives up. */
export const hold: WireHandler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(': open\n\n');
};
