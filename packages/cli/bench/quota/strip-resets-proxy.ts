// A pass-through HTTP proxy in front of the emulator that removes every statement of when a quota
// resets from error answers (Retry-After, *reset* headers, resets_at / resets_in_seconds in the
// body): "baton with the reset headers removed" runs through it.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

const RESET_HEADER = /retry-after|reset/i;
const RESET_BODY_KEYS = new Set(['resets_at', 'resets_in_seconds', 'retry_after']);

function withoutResetHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) => !RESET_HEADER.test(name) && name !== 'content-length',
    ),
  );
}

function withoutResetKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutResetKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !RESET_BODY_KEYS.has(key))
      .map(([key, inner]) => [key, withoutResetKeys(inner)]),
  );
}

export interface StripProxy {
  url: string;
  close(): Promise<void>;
}

export async function startStripResetsProxy(target: string): Promise<StripProxy> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        const status = answer.statusCode ?? 502;
        if (status < 400) {
          res.writeHead(status, answer.headers);
          answer.pipe(res);
          return;
        }
        let body = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => (body += chunk));
        answer.on('end', () => {
          let text = body;
          try {
            text = JSON.stringify(withoutResetKeys(JSON.parse(body)));
          } catch {
            // Not JSON: passed on as it came.
          }
          res.writeHead(status, withoutResetHeaders(answer.headers));
          res.end(text);
        });
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
