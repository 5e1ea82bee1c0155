// Writing responses: JSON bodies, and SSE streams that can be cut, stalled or left without their
// terminal event on purpose.
import type { ServerResponse } from 'node:http';
import type { Fault } from './types.js';
import type { StreamFrames } from './wire.js';

/** Request bodies larger than this are refused (413); provider requests in tests are small. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

export async function readBody(
  req: AsyncIterable<Buffer | string>,
  limit = MAX_REQUEST_BODY_BYTES,
): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    const buffer = typeof part === 'string' ? Buffer.from(part) : part;
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError(`request body exceeds ${limit} bytes`);
    parts.push(buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

export function sendJson(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
): void {
  if (res.destroyed || res.headersSent) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}

/** Resolves once the frame has been handed to the kernel, so a following destroy cannot drop it. */
function write(res: ServerResponse, frame: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) resolve();
    else res.write(frame, () => resolve());
  });
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

export interface StreamOutcome {
  /** Content frames written. */
  chunksSent: number;
  /** The emulator cut the stream or left out its terminal event on purpose. */
  faulted: boolean;
  /** The emulator destroyed the socket itself (not a client close). */
  destroyedByEmulator: boolean;
}

export const newStreamOutcome = (): StreamOutcome => ({
  chunksSent: 0,
  faulted: false,
  destroyedByEmulator: false,
});

/**
 * Writes an SSE stream. `fault` (cut-stream, stall, no-terminal) changes how it ends; `signal`
 * aborts when the client goes away or the emulator closes. `outcome` is updated as it goes (the
 * connection's close handler reads it synchronously to tell a cut from a client close).
 */
export async function writeStream(
  res: ServerResponse,
  headers: Record<string, string>,
  frames: StreamFrames,
  fault: Fault | undefined,
  signal: AbortSignal,
  outcome: StreamOutcome,
): Promise<void> {
  if (res.destroyed) return;
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  for (const frame of frames.prelude) await write(res, frame);
  const stopAt = fault?.kind === 'cut-stream' || fault?.kind === 'stall' ? (fault.amount ?? 0) : -1;
  for (let i = 0; i <= frames.content.length; i++) {
    if (signal.aborted || res.destroyed) return;
    if (i === stopAt) {
      outcome.faulted = true;
      if (fault?.kind === 'stall') {
        await untilAborted(signal);
        return;
      }
      outcome.destroyedByEmulator = true;
      res.socket?.destroy();
      return;
    }
    const frame = frames.content[i];
    if (frame === undefined) break;
    await write(res, frame);
    outcome.chunksSent++;
  }
  if (stopAt > frames.content.length) {
    // Asked to cut after more chunks than the reply has: cut right after the last one.
    outcome.faulted = true;
    outcome.destroyedByEmulator = true;
    res.socket?.destroy();
    return;
  }
  for (const frame of frames.closing) await write(res, frame);
  if (fault?.kind === 'no-terminal') {
    outcome.faulted = true;
    res.end();
    return;
  }
  for (const frame of frames.terminal) await write(res, frame);
  res.end();
}
