import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../src/server.ts';
import { startTestServer } from './helpers.ts';

// Property-based checks of the token endpoint with malformed input: whatever arrives, the answer is never a 5xx, an
// error is RFC 6749 JSON, and the server keeps answering normally afterwards.

// Hundreds of requests per property: minutes on a loaded 2-core machine, never seconds.
vi.setConfig({ testTimeout: 180_000 });

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const RUNS = 400;
const knownParam = fc.constantFrom(
  'grant_type',
  'scope',
  'client_id',
  'client_secret',
  'resource',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'client_assertion',
  'client_assertion_type',
);
const value = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'client_credentials',
    'authorization_code',
    'refresh_token',
    'password',
    'api1',
    'service.client',
  ),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ minLength: 2000, maxLength: 5000 }),
);
const body = fc.array(fc.tuple(fc.oneof(knownParam, fc.string({ maxLength: 20 })), value), { maxLength: 8 });
const authorization = fc.oneof(
  fc.constant(undefined),
  fc.constant(`Basic ${Buffer.from('service.client:secret').toString('base64')}`),
  fc.string().map((s) => `Basic ${s}`),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
  fc.string({ maxLength: 60 }),
);
const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
  '',
);

function isJsonError(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    return typeof parsed.error === 'string' && /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/.test(parsed.error);
  } catch {
    return false;
  }
}

describe('token endpoint under malformed input', () => {
  it(`random bodies, content types and Authorization headers (${RUNS} cases): never a 5xx, errors are RFC 6749 JSON`, async () => {
    await fc.assert(
      fc.asyncProperty(body, authorization, contentType, async (params, auth, type) => {
        const headers: Record<string, string> = {};
        if (type) headers['content-type'] = type;
        if (auth !== undefined) headers.authorization = auth;
        const encoded = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        let response: Response;
        try {
          response = await fetch(`${server.issuer}/connect/token`, {
            method: 'POST',
            headers,
            body: encoded,
          });
        } catch (error) {
          // fetch itself refuses some header values (e.g. non-Latin-1); that is not the server's answer.
          if (error instanceof TypeError) return;
          throw error;
        }
        const text = await response.text();
        expect(response.status, text).toBeLessThan(500);
        if (response.status >= 400) expect(isJsonError(text), text).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('duplicated parameters are invalid_request, not a crash', async () => {
    const response = await fetch(`${server.issuer}/connect/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('service.client:secret').toString('base64')}`,
      },
      body: 'grant_type=client_credentials&grant_type=client_credentials&scope=api1&scope=api2.read_only',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('an oversized body is refused with a 4xx', async () => {
    const response = await fetch(`${server.issuer}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&scope=${'a'.repeat(2_000_000)}`,
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('the server still issues tokens normally after the malformed requests', async () => {
    const response = await fetch(`${server.issuer}/connect/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('service.client:secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api1' }),
    });
    expect(response.status).toBe(200);
  });
});
