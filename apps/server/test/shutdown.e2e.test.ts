import { Agent, type ClientRequest, type IncomingMessage, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FIXTURE_CONFIG } from './helpers.ts';
import { type CliServer, connectOutcome, spawnServe, tempConfig } from './lifecycle-helpers.ts';

// Real server processes under load on a shared 2-core machine: generous bounds, no timing assertions.
vi.setConfig({ testTimeout: 60_000 });

const servers: CliServer[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.kill();
});

async function start(...args: string[]): Promise<CliServer> {
  const server = await spawnServe(['--config', await tempConfig(FIXTURE_CONFIG), '--port', '0', ...args]);
  servers.push(server);
  return server;
}

const FORM = 'grant_type=client_credentials&scope=api1';
const AUTH = `Basic ${Buffer.from('service.client:secret').toString('base64')}`;

/**
 * A token request whose body is held back: it resolves `accepted` once the server has answered `Expect:
 * 100-continue`, which Node does right before it hands the request to the application, so the request is certainly
 * in flight; `send()` then writes the body, and `response` settles with the answer.
 */
function heldRequest(port: number) {
  let req!: ClientRequest;
  const accepted = new Promise<void>((resolve, reject) => {
    req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/connect/token',
      agent: false,
      headers: {
        authorization: AUTH,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': Buffer.byteLength(FORM),
        expect: '100-continue',
      },
    });
    req.once('continue', () => resolve());
    req.once('error', reject);
    req.flushHeaders();
  });
  const response = new Promise<{ status: number; connection: string | undefined; body: string }>(
    (resolve, reject) => {
      req.once('response', (res: IncomingMessage) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
        res.on('error', reject);
      });
      req.once('error', reject);
    },
  );
  response.catch(() => {});
  return { accepted, response, send: () => req.end(FORM) };
}

interface Outcome {
  status?: number;
  error?: string;
}

/** `workers` loops of client_credentials requests over a keep-alive agent, until the server refuses connections. */
function load(port: number, workers: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: workers });
  const outcomes: Outcome[] = [];
  let stopped = false;
  const once = () =>
    new Promise<Outcome>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/connect/token',
          agent,
          headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
          timeout: 30_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode! }));
          res.on('error', (error: NodeJS.ErrnoException) =>
            resolve({ status: res.statusCode!, error: `response cut: ${error.code ?? error.message}` }),
          );
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      req.end(FORM);
    });
  const worker = async () => {
    while (!stopped) {
      const outcome = await once();
      outcomes.push(outcome);
      if (outcome.error === 'ECONNREFUSED') return;
    }
  };
  const done = Promise.all(Array.from({ length: workers }, worker));
  return {
    outcomes,
    done,
    stop() {
      stopped = true;
      agent.destroy();
    },
  };
}

/** A raw connection with the start of `GET /readyz` written: the server sees a request begun, not an idle socket. */
function halfWrittenReadyz(port: number): Promise<{ socket: Socket; finish(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      resolve({
        socket,
        finish: () =>
          new Promise((done) => {
            let text = '';
            socket.on('data', (chunk) => {
              text += chunk;
            });
            socket.on('close', () => done(text));
            socket.write('\r\n');
          }),
      });
    });
    socket.once('error', reject);
  });
}

function stoppedLine(output: string) {
  const match = /stopped: (\d+) request\(s\) in flight at SIGTERM, (\d+) finished, (\d+) cut off/.exec(
    output,
  );
  expect(match, output).not.toBeNull();
  return { inFlight: Number(match![1]), finished: Number(match![2]), cutOff: Number(match![3]) };
}

describe('graceful shutdown (SIGTERM)', () => {
  it('SIGTERM under load - stops accepting, /readyz turns 503, every accepted request gets its 200, exit 0', async () => {
    const server = await start('--no-watch', '--shutdown-timeout', '30');
    const held = heldRequest(server.port);
    await held.accepted;
    const readyz = await halfWrittenReadyz(server.port);
    const traffic = load(server.port, 8);
    await vi.waitFor(
      () => expect(traffic.outcomes.filter((o) => o.status === 200).length).toBeGreaterThan(30),
      {
        timeout: 30_000,
        interval: 20,
      },
    );

    server.child.kill('SIGTERM');
    // New connections are refused while the held request is still being served.
    await vi.waitFor(async () => expect(await connectOutcome(server.port)).toBe('ECONNREFUSED'), {
      timeout: 20_000,
      interval: 20,
    });
    expect(server.child.exitCode).toBeNull();
    // A request that began before the signal and ends during the drain: readiness says "stop sending".
    const readiness = await readyz.finish();
    expect(readiness).toMatch(/^HTTP\/1\.1 503 /);
    expect(readiness).toMatch(/connection: close/i);
    expect(readiness).toContain('"status":"stopping"');

    held.send();
    const answer = await held.response;
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ token_type: 'Bearer' });
    expect(answer.connection).toBe('close');

    await traffic.done;
    expect(await server.exited).toBe(0);
    traffic.stop();

    const report = stoppedLine(server.output());
    expect(report.cutOff).toBe(0);
    // At least the held request and the /readyz one were being handled when the signal came.
    expect(report.finished).toBeGreaterThanOrEqual(2);
    const answered = traffic.outcomes.filter((o) => o.status !== undefined);
    const refused = traffic.outcomes.filter((o) => o.status === undefined);
    console.info(
      `SIGTERM under load: ${answered.length} answered, ${refused.length} not accepted ` +
        `(${[...new Set(refused.map((o) => o.error))].join(', ')}); server: ${JSON.stringify(report)}`,
    );
    // Every request the server took got a complete 200; the only failures are connections it no longer accepted
    // (refused, or a keep-alive connection closed while idle, before any request on it began).
    for (const outcome of answered) expect(outcome, JSON.stringify(outcome)).toEqual({ status: 200 });
    for (const outcome of refused) expect(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']).toContain(outcome.error);
    expect(answered.length).toBeGreaterThan(30);
  });

  it('--shutdown-timeout bounds the wait - a request that never completes is cut off and the process still exits 0', async () => {
    const server = await start('--no-watch', '--shutdown-timeout', '1');
    const held = heldRequest(server.port);
    await held.accepted;
    server.child.kill('SIGTERM');
    // The body is never sent: the server gives up on it after one second.
    expect(await server.exited).toBe(0);
    await expect(held.response).rejects.toThrow();
    expect(stoppedLine(server.output())).toEqual({ inFlight: 1, finished: 0, cutOff: 1 });
  });

  it('SIGINT with nothing in flight - exits 0 at once', async () => {
    const server = await start('--no-watch');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/SIGINT: stopped accepting connections/);
  });
});
