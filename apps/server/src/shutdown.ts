import type { Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';

/** How long `serve` lets in-flight requests finish after SIGTERM/SIGINT before it cuts them off, in ms. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** What a {@link RequestTracker.drain} did. */
export interface DrainReport {
  /** Requests being handled when the drain began. */
  inFlight: number;
  /** Requests that finished during the drain (those in flight, and any that arrived on a connection already open). */
  finished: number;
  /** Requests still unfinished when the time ran out, whose connections were closed. */
  cutOff: number;
  /** How long the drain took, in ms. */
  ms: number;
}

/** Counts a server's requests in flight and stops it gracefully. */
export interface RequestTracker {
  /** Requests being handled now. */
  readonly inFlight: number;
  /** True once {@link drain} began: `/readyz` answers 503 so a load balancer stops sending traffic. */
  readonly draining: boolean;
  /**
   * Stops accepting connections, lets the requests in flight finish (their responses carry `Connection: close`, and
   * idle keep-alive connections are closed), and after `timeoutMs` closes whatever is left. Resolves when no
   * connection remains. Calling it again returns the same drain; {@link force} ends it early.
   */
  drain(timeoutMs: number): Promise<DrainReport>;
  /** Ends a running drain now (a second SIGTERM/SIGINT): the remaining connections are closed. */
  force(): void;
  /**
   * Counts `res` as in flight until it closes. Call it first thing in the server's one `request` listener: a listener
   * of its own would make Node copy the listener array on every request.
   */
  track(res: ServerResponse): void;
}

type AnyServer = Server | HttpsServer;

/**
 * Tracks the requests of `server`, each one passed to {@link RequestTracker.track} before it is handled.
 *
 * Node's `server.close()` alone stops accepting and closes idle connections, but a keep-alive connection that is busy
 * stays open after its response and may carry further requests, and nothing bounds the wait. Like Go's
 * `http.Server.Shutdown`, the drain turns keep-alive off for every response from then on (so each connection closes
 * after its current response), closes connections as they go idle, and gives up after a bound.
 */
export function trackRequests(server: AnyServer): RequestTracker {
  const open = new Set<ServerResponse>();
  let draining = false;
  let finished = 0;
  let running: Promise<DrainReport> | undefined;
  let forceNow: (() => void) | undefined;
  let onIdle: (() => void) | undefined;

  // One listener function for every response (it fires once per response, so `on` is `once` here), rather than a
  // closure and a `once` wrapper per request.
  function closed(this: ServerResponse) {
    open.delete(this);
    if (draining) {
      finished += 1;
      // The connection may now be idle (keep-alive headers already sent before the drain): close it.
      server.closeIdleConnections();
      if (open.size === 0) onIdle?.();
    }
  }
  const track = (res: ServerResponse) => {
    open.add(res);
    // A request that arrives during the drain (on a connection that was already open) is served, then its connection
    // is closed: the client learns from `Connection: close` not to send more on it.
    if (draining) res.setHeader('Connection', 'close');
    // 'close' fires after the response is sent and also when the client goes away first.
    res.on('close', closed);
  };

  return {
    get inFlight() {
      return open.size;
    },
    get draining() {
      return draining;
    },
    force() {
      forceNow?.();
    },
    track,
    drain(timeoutMs) {
      running ??= new Promise<DrainReport>((resolve) => {
        const started = performance.now();
        const inFlight = open.size;
        draining = true;
        for (const res of open) if (!res.headersSent) res.setHeader('Connection', 'close');
        let cutOff = 0;
        const closed = new Promise<void>((done) => server.close(() => done()));
        const finish = () => {
          clearTimeout(timer);
          forceNow = undefined;
          onIdle = undefined;
          // Connections with no request left (keep-alive, or a request's bytes half received) end now.
          server.closeAllConnections();
          void closed.then(() =>
            resolve({ inFlight, finished, cutOff, ms: Math.round(performance.now() - started) }),
          );
        };
        const timer = setTimeout(() => {
          cutOff = open.size;
          finish();
        }, timeoutMs);
        forceNow = () => {
          cutOff = open.size;
          finish();
        };
        onIdle = finish;
        if (open.size === 0) finish();
      });
      return running;
    },
  };
}
