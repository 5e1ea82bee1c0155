// A scriptable HTTP server on 127.0.0.1 for answer shapes a standards-following server never sends
// (null fields, HTML from a proxy, challenges, dropped sockets): scripted answers per path, in order,
// and everything unscripted is forwarded to an optional upstream (e.g. the testkit auth server).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const LOOPBACK_HOST = '127.0.0.1';
const HTTP_NOT_FOUND = 404;
const HTTP_BAD_GATEWAY = 502;
/** Hop-by-hop headers a forwarding server must not pass on (RFC 9110 §7.6.1), plus the length it recomputes. */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'host',
  'upgrade',
]);

/** One canned answer: a status with headers and a body, or `drop` (the socket is destroyed). */
export type RawAnswer =
  | { status: number; headers?: Record<string, string>; body?: string }
  | { json: unknown; status?: number; headers?: Record<string, string> }
  | 'drop';

export interface RawRequest {
  method: string;
  /** Path with query string, as requested. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** True when the request was answered from the script, false when forwarded or 404. */
  scripted: boolean;
}

export interface RawHttpServerOptions {
  /** Base URL that unscripted requests are forwarded to; without it they get a 404. */
  upstream?: string;
}

export interface RawHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RawRequest[];
  /**
   * Queues answers for requests to `path` (query ignored). `when` narrows which requests consume
   * them (e.g. only device-code polls), so other requests to the same path still pass through.
   */
  script(path: string, answers: RawAnswer[], when?: (request: RawRequest) => boolean): void;
  /** Answers still queued for a path. */
  pending(path: string): number;
  /** Forgets every queued answer and recorded request (between tests). */
  reset(): void;
  close(): Promise<void>;
}

interface Script {
  path: string;
  answers: RawAnswer[];
  when?: (request: RawRequest) => boolean;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, answer: Exclude<RawAnswer, 'drop'>): void {
  const isJson = 'json' in answer;
  const body = isJson ? JSON.stringify(answer.json) : (answer.body ?? '');
  const headers = {
    ...(isJson ? { 'content-type': 'application/json' } : {}),
    ...answer.headers,
    'content-length': String(Buffer.byteLength(body)),
  };
  res.writeHead(answer.status ?? 200, headers);
  res.end(body);
}

async function forward(
  upstream: string,
  req: IncomingMessage,
  body: string,
  res: ServerResponse,
): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const method = req.method ?? 'GET';
  const answer = await fetch(new URL(req.url ?? '/', upstream), {
    method,
    headers,
    redirect: 'manual',
    ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
  });
  const text = await answer.text();
  const out: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (!NOT_FORWARDED.has(name) && name !== 'content-encoding') out[name] = value;
  });
  out['content-length'] = String(Buffer.byteLength(text));
  res.writeHead(answer.status, out);
  res.end(text);
}

/** Starts the server on a free loopback port. Close it in afterAll/finally. */
export async function startRawHttpServer(
  options: RawHttpServerOptions = {},
): Promise<RawHttpServer> {
  const requests: RawRequest[] = [];
  const scripts: Script[] = [];
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const request: RawRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: { ...req.headers },
      body,
      scripted: false,
    };
    requests.push(request);
    const path = new URL(request.url, 'http://x').pathname;
    const script = scripts.find(
      (s) => s.path === path && s.answers.length > 0 && (s.when?.(request) ?? true),
    );
    const answer = script?.answers.shift();
    if (answer !== undefined) {
      request.scripted = true;
      if (answer === 'drop') req.socket.destroy();
      else send(res, answer);
      return;
    }
    if (options.upstream) await forward(options.upstream, req, body, res);
    else send(res, { status: HTTP_NOT_FOUND, json: { error: 'not_found' } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(HTTP_BAD_GATEWAY, { 'content-type': 'text/plain' });
      res.end(error instanceof Error ? error.message : 'raw server failure');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK_HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${LOOPBACK_HOST}:${port}`,
    requests,
    script: (path, answers, when) => {
      scripts.push({ path, answers: [...answers], ...(when ? { when } : {}) });
    },
    pending: (path) =>
      scripts.filter((s) => s.path === path).reduce((n, s) => n + s.answers.length, 0),
    reset: () => {
      scripts.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
