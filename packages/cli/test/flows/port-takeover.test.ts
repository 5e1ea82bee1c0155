// Callback ports over real sockets on 127.0.0.1: a list of ports tried in order, an earlier login
// giving its port up to a newer one on `GET /cancel` (the Codex CLI's way), foreign servers that
// ignore /cancel, every port busy, and an abort in the middle of the retries.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeClock, isAbortError } from '@baton/core';
import { startAuthorizationServer, type AuthorizationServer } from '@baton/testkit';
import {
  CallbackPortUnavailableError,
  listenForCallback,
  LoginCancelledError,
  resolveProvider,
  runLoopbackFlow,
  type ListenOptions,
} from '../../src/auth/flows/index.js';
import { REBIND_ATTEMPTS, REBIND_DELAY_MS } from '../../src/auth/flows/port-takeover.js';
import { describeError } from '../../src/ui/errors.js';
import { closeServer, driveFakeClock, listenOn, localProvider, portIsFree } from './helpers.js';

/** `n` distinct ports that were free a moment ago (held together so none repeats). */
async function freePorts(n: number): Promise<number[]> {
  const held = await Promise.all(Array.from({ length: n }, () => listenOn(0)));
  const ports = held.map((s) => (s.address() as { port: number }).port);
  await Promise.all(held.map(closeServer));
  return ports;
}

/** An HTTP server that is not a login: it answers everything, /cancel included, with a 404. */
async function foreignHttpServer(port: number): Promise<{ server: HttpServer; paths: string[] }> {
  const paths: string[] = [];
  const server = createHttpServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    res.writeHead(404, { connection: 'close' }).end('not a login');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, paths };
}

/** A TCP server that hangs up on every connection without a word. */
async function hangUpServer(port: number): Promise<Server> {
  const server = createTcpServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

const closeHttp = (server: HttpServer): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const listen = (ports: number[], extra: Partial<ListenOptions> = {}) =>
  listenForCallback({ host: '127.0.0.1', path: '/auth/callback', ports, ...extra });

/** A cancelPrevious port search on a FakeClock, moved on whenever the search waits. */
const takeOver = (ports: number[], clock: FakeClock) =>
  driveFakeClock(clock, listen(ports, { cancelPrevious: true, clock }), REBIND_DELAY_MS);

/** The retries the Codex CLI makes after a cancel: ten binds, 200 ms apart. */
const CODEX_RETRY_WAITS = Array.from({ length: REBIND_ATTEMPTS }, () => REBIND_DELAY_MS);

describe('callback ports as a list', () => {
  it('skips a busy first port and names the second one in the redirect URI', async () => {
    const [first, second] = await freePorts(2);
    const busy = await listenOn(first!);
    try {
      const listener = await listen([first!, second!]);
      expect(listener.port).toBe(second);
      expect(listener.redirectUri).toBe(`http://127.0.0.1:${second}/auth/callback`);
      await listener.close();
    } finally {
      await closeServer(busy);
    }
  });

  it('without cancelPrevious, /cancel is just a stray request: the login keeps waiting', async () => {
    const listener = await listen([0]);
    try {
      const answer = await fetch(`http://127.0.0.1:${listener.port}/cancel`);
      expect(answer.status).toBe(404);
      const state = await Promise.race([
        listener.callback.then(
          () => 'settled',
          () => 'settled',
        ),
        new Promise((resolve) => setTimeout(() => resolve('waiting'), 50)),
      ]);
      expect(state).toBe('waiting');
    } finally {
      await listener.close();
    }
  });
});

describe('taking a port over from an earlier login (cancelPrevious)', () => {
  let server: AuthorizationServer;
  beforeAll(async () => {
    server = await startAuthorizationServer();
  });
  afterAll(async () => server?.close());

  it('a newer login cancels the earlier one, binds its port and completes; the earlier one rejects', async () => {
    const [first, second] = await freePorts(2);
    const provider = await resolveProvider(
      localProvider(server, {
        flow: 'pkce-loopback',
        callback: { ports: [first!, second!], cancelPrevious: true },
      }),
    );
    let earlierUrl: URL | undefined;
    const earlier = runLoopbackFlow(provider, {
      onAuthorizationUrl: (url) => {
        earlierUrl = url;
      },
    });
    earlier.catch(() => undefined);
    await vi.waitFor(() => expect(earlierUrl).toBeDefined());
    const earlierRedirect = new URL(earlierUrl!.searchParams.get('redirect_uri')!);
    expect(Number(earlierRedirect.port)).toBe(first);

    let newerRedirect: URL | undefined;
    let browser: Promise<unknown> | undefined;
    const token = await runLoopbackFlow(provider, {
      onAuthorizationUrl: (url) => {
        newerRedirect = new URL(url.searchParams.get('redirect_uri')!);
        browser = server.completeAuthorization(url, { account: 'bucket-newer' });
      },
    });
    await browser;
    expect(Number(newerRedirect!.port)).toBe(first);
    expect(token.refresh_token).toEqual(expect.any(String));

    const failure = await earlier.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(LoginCancelledError);
    expect(describeError(failure).message).toBe(
      'this login was cancelled by a newer login that needed its callback port',
    );
    expect(await portIsFree(first!)).toBe(true);
  });

  it('a foreign server that ignores /cancel gets one, then the next port is used after the Codex retries', async () => {
    const [first, second] = await freePorts(2);
    const foreign = await foreignHttpServer(first!);
    const clock = new FakeClock();
    try {
      const listener = await takeOver([first!, second!], clock);
      expect(listener.port).toBe(second);
      expect(listener.redirectUri).toBe(`http://127.0.0.1:${second}/auth/callback`);
      expect(foreign.paths).toEqual(['GET /cancel']);
      expect(clock.sleeps).toEqual(CODEX_RETRY_WAITS);
      await listener.close();
    } finally {
      await closeHttp(foreign.server);
    }
  });

  it('every port busy: CallbackPortUnavailableError names the ports tried, each got one /cancel', async () => {
    const [first, second] = await freePorts(2);
    const foreign = await foreignHttpServer(first!);
    const hangUp = await hangUpServer(second!);
    const clock = new FakeClock();
    try {
      const error = await takeOver([first!, second!], clock).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CallbackPortUnavailableError);
      expect((error as Error).message).toBe(
        `no free port for the login callback among ${first}, ${second} on 127.0.0.1`,
      );
      expect(foreign.paths).toEqual(['GET /cancel']);
      expect(clock.sleeps).toEqual([...CODEX_RETRY_WAITS, ...CODEX_RETRY_WAITS]);
    } finally {
      await closeHttp(foreign.server);
      await closeServer(hangUp);
    }
  });

  it('a /cancel after the callback arrived is refused: that login is already completing', async () => {
    const listener = await listen([0], { cancelPrevious: true, expectedState: 's1' });
    try {
      const base = `http://127.0.0.1:${listener.port}`;
      const callback = fetch(`${base}/auth/callback?code=c&state=s1`);
      const received = await listener.callback;
      const cancel = await fetch(`${base}/cancel`);
      expect(cancel.status).toBe(409);
      expect(listener.server.listening).toBe(true);
      received.respond(200, 'Signed in', 'done');
      expect((await callback).status).toBe(200);
    } finally {
      await listener.close();
    }
  });

  it('an abort during the retries ends the search at once and binds nothing', async () => {
    const [first, second] = await freePorts(2);
    const foreign = await foreignHttpServer(first!);
    const clock = new FakeClock();
    const controller = new AbortController();
    try {
      const search = listen([first!, second!], {
        cancelPrevious: true,
        clock,
        signal: controller.signal,
      });
      await vi.waitFor(() => expect(clock.pendingSleepers).toBe(1));
      controller.abort();
      const error = await search.catch((e: unknown) => e);
      expect(isAbortError(error)).toBe(true);
      expect(clock.pendingSleepers).toBe(0);
      expect(await portIsFree(second!)).toBe(true);
    } finally {
      await closeHttp(foreign.server);
    }
  });
});
