// Serving a recorded provider response exactly as given: status, headers, a JSON or text body or a
// raw SSE stream, optionally ending with a socket reset after the last byte.
import type { ServerResponse } from 'node:http';
import type { StreamOutcome } from './respond.js';
import type { VerbatimResponse } from './types.js';

function write(res: ServerResponse, data: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) resolve();
    else res.write(data, () => resolve());
  });
}

/** The bytes of the body: `sse` or `bodyText` as they are, a `body` value as JSON. */
export function verbatimPayload(response: VerbatimResponse): string {
  if (response.sse !== undefined) return response.sse;
  if (response.bodyText !== undefined) return response.bodyText;
  return response.body === undefined ? '' : JSON.stringify(response.body);
}

export async function writeVerbatim(
  res: ServerResponse,
  response: VerbatimResponse,
  outcome: StreamOutcome,
): Promise<void> {
  if (res.destroyed) return;
  const payload = verbatimPayload(response);
  const headers: Record<string, string> = { ...response.headers };
  const has = (name: string): boolean => Object.keys(headers).some((k) => k.toLowerCase() === name);
  if (!has('content-type'))
    headers['content-type'] =
      response.sse !== undefined ? 'text/event-stream; charset=utf-8' : 'application/json';
  // A stream is sent chunked (as the services do); anything else with its exact length.
  if (response.sse === undefined && response.end !== 'reset' && !has('content-length'))
    headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  if (payload !== '') await write(res, payload);
  if (response.end === 'reset') {
    outcome.faulted = true;
    outcome.destroyedByEmulator = true;
    res.socket?.destroy();
    return;
  }
  res.end();
}
