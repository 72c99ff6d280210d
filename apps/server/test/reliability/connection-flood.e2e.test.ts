import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../src/server.ts';
import { startTestServer, tokenRequest } from '../helpers.ts';

// Connection floods: many clients that connect and then stall (slowloris: half a request, never finished) or hold
// idle keep-alive connections must not stop the server from answering everyone else.
vi.setConfig({ testTimeout: 120_000 });

/** Stalled connections opened at once. */
const FLOOD = 1500;

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server?.close();
});

function openStalled(url: URL, count: number, partial: string): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(Number(url.port), url.hostname, () => {
            socket.write(partial);
            resolve(socket);
          });
          socket.on('error', reject);
        }),
    ),
  );
}

describe('connection floods', () => {
  it(`${FLOOD} connections holding half-sent requests - the token endpoint still answers everyone else, promptly`, async () => {
    const url = new URL(server.url.replace('localhost', '127.0.0.1'));
    const sockets = await openStalled(
      url,
      FLOOD,
      'POST /connect/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n',
    );
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          tokenRequest(
            server,
            { grant_type: 'client_credentials', scope: 'api1' },
            { basic: ['service.client', 'secret'] },
          ),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it(`${FLOOD} connections with a request body that never arrives - the server still serves, and sockets are not leaked`, async () => {
    const url = new URL(server.url.replace('localhost', '127.0.0.1'));
    const sockets = await openStalled(
      url,
      FLOOD,
      'POST /connect/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=',
    );
    try {
      const ok = await tokenRequest(
        server,
        { grant_type: 'client_credentials', scope: 'api1' },
        { basic: ['service.client', 'secret'] },
      );
      expect(ok.status).toBe(200);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    // Once the clients go away, so do their connections on the server.
    await vi.waitFor(
      async () => {
        const open = await new Promise<number>((resolve, reject) =>
          server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
        );
        expect(open).toBeLessThan(10);
      },
      { timeout: 10_000, interval: 200 },
    );
  });
});
