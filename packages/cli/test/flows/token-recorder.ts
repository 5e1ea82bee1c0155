// A real token endpoint on 127.0.0.1 that records each request (method, content type, body) and
// answers with a canned JSON token: for provider quirks the standard test server cannot show.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  contentType: string;
  body: string;
}

export interface TokenRecorder {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** `answers` maps a path to its JSON answer; a single object answers every path. */
export async function startTokenRecorder(
  answers: Record<string, unknown> | Record<string, Record<string, unknown>>,
  byPath = false,
): Promise<TokenRecorder> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        path: req.url ?? '/',
        contentType: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = byPath ? answers[new URL(req.url ?? '/', 'http://x').pathname] : answers;
      res.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer ?? { error: 'not_found' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
