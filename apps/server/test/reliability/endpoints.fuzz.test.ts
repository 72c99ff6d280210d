import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../src/server.ts';
import { startTestServer } from '../helpers.ts';

// Property-based checks of every endpoint a client or browser can reach, with malformed input: random methods,
// bodies, query strings, content types, percent-encodings (invalid UTF-8 included), oversized and duplicated values,
// bad Basic credentials. Pass: never a 5xx; the endpoints that answer JSON answer errors as RFC 6749 JSON; and the
// server keeps working afterwards. (The token endpoint has its own suite: ../token-endpoint.fuzz.test.ts.)
vi.setConfig({ testTimeout: 180_000 });

/** Cases per endpoint; with the endpoints below this is a few thousand requests per CI run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 250);

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server?.close();
});

/**
 * Endpoint paths; whether their errors are JSON (`json`) or an HTML page / redirect (`page`); the methods they serve.
 */
const ENDPOINTS: { path: string; kind: 'json' | 'page' | 'any'; methods: string[] }[] = [
  { path: '/connect/authorize', kind: 'page', methods: ['GET', 'POST'] },
  { path: '/connect/endsession', kind: 'page', methods: ['GET', 'POST'] },
  { path: '/connect/userinfo', kind: 'json', methods: ['GET', 'POST'] },
  { path: '/connect/introspect', kind: 'json', methods: ['POST'] },
  { path: '/connect/revocation', kind: 'json', methods: ['POST'] },
  { path: '/connect/deviceauthorization', kind: 'json', methods: ['POST'] },
  { path: '/connect/par', kind: 'json', methods: ['POST'] },
  { path: '/device', kind: 'page', methods: ['GET', 'POST'] },
  { path: '/interaction/abcdefghijklmnopqrstu', kind: 'page', methods: ['GET'] },
  { path: '/interaction/abcdefghijklmnopqrstu/login', kind: 'page', methods: ['POST'] },
  { path: '/.well-known/openid-configuration', kind: 'any', methods: ['GET'] },
  { path: '/.well-known/openid-configuration/jwks', kind: 'any', methods: ['GET'] },
];

const PARAMS = [
  'client_id',
  'client_secret',
  'response_type',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'prompt',
  'max_age',
  'code_challenge',
  'code_challenge_method',
  'request',
  'request_uri',
  'token',
  'token_type_hint',
  'id_token_hint',
  'post_logout_redirect_uri',
  'user_code',
  'username',
  'password',
  'xsrf',
  'resource',
  'claims',
  'ui_locales',
  'login_hint',
  'response_mode',
];

/** Raw percent-encoded text, valid or not (`%FF`, `%C3%28`, a lone `%`). */
const rawEncoded = fc
  .array(
    fc.oneof(
      fc.constantFrom('%FF', '%C3%28', '%', '%0', '%00', '%E2%82', '+', '&', '=', '%26', '%3D', '%0A', '%ZZ'),
      fc.string({ maxLength: 8 }).map(encodeURIComponent),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

const value = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'code',
    'openid',
    'openid profile api1',
    'interactive',
    'service.client',
    'S256',
    'plain',
    'none',
  ),
  fc.constantFrom(
    'http://localhost:21402/signin-oidc',
    'https://evil.example/',
    'javascript:alert(1)',
    '{"a":1}',
  ),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ minLength: 3000, maxLength: 9000 }),
);
const pairs = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), fc.string({ maxLength: 12 })), value), {
  maxLength: 8,
});
/** A form/query string: well-formed pairs, sometimes with raw (possibly invalid) encodings appended, some duplicated. */
const formText = fc
  .tuple(pairs, fc.option(rawEncoded, { nil: undefined }), fc.boolean())
  .map(([list, raw, duplicate]) => {
    const all = duplicate && list.length ? [...list, list[0]!] : list;
    const text = all.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return raw === undefined ? text : `${text}&${raw}`;
  });
const method = fc.constantFrom('GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');
const contentType = fc.constantFrom(
  undefined,
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'application/json',
  'application/jwt',
  'text/plain',
  'multipart/form-data; boundary=x',
);
const authorization = fc.oneof(
  fc.constant(undefined),
  fc.constant(`Basic ${Buffer.from('interactive:secret').toString('base64')}`),
  fc.constant(`Basic ${Buffer.from('interactive:wrong').toString('base64')}`),
  fc.string({ maxLength: 40 }).map((s) => `Basic ${s}`),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
  fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
  fc.string({ maxLength: 60 }).map((s) => `DPoP ${s}`),
);

function isJsonError(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    return typeof parsed.error === 'string' && /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/.test(parsed.error);
  } catch {
    return false;
  }
}

let requests = 0;

describe.each(ENDPOINTS)('$path under malformed input', ({ path, kind, methods }) => {
  it(`random methods, query strings, bodies, encodings and credentials (${RUNS} cases): never a 5xx${kind === 'json' ? ', errors are RFC 6749 JSON' : ''}`, async () => {
    await fc.assert(
      fc.asyncProperty(
        method,
        formText,
        formText,
        contentType,
        authorization,
        async (verb, query, body, type, auth) => {
          const headers: Record<string, string> = {};
          if (type) headers['content-type'] = type;
          if (auth !== undefined) headers.authorization = auth;
          const withBody = verb !== 'GET' && verb !== 'HEAD';
          let response: Response;
          try {
            response = await fetch(`${server.issuer}${path}${query ? `?${query}` : ''}`, {
              method: verb,
              headers,
              redirect: 'manual',
              ...(withBody ? { body } : {}),
              // A request the server never answers is a failure too (a hang is as bad as a crash), and says which.
              signal: AbortSignal.timeout(15_000),
            });
          } catch (error) {
            if ((error as Error).name === 'TimeoutError') {
              throw new Error(`${verb} ${path} got no answer within 15 s (query ${query.slice(0, 200)})`);
            }
            // fetch itself refuses some header values and URLs (non-Latin-1); that is not the server's answer.
            if (error instanceof TypeError) return;
            throw error;
          }
          requests++;
          const text = await response.text();
          expect(response.status, `${verb} ${path}: ${text.slice(0, 300)}`).toBeLessThan(500);
          // A method the endpoint does not serve is oidc-provider's plain 404/405; the ones it serves answer JSON.
          // 414/431 come from Node's HTTP parser (URL and headers over 16 KiB) before any route runs.
          const parserLimit = response.status === 414 || response.status === 431;
          if (kind === 'json' && response.status >= 400 && methods.includes(verb) && !parserLimit) {
            expect(isJsonError(text), `${verb} ${path} ${response.status}: ${text.slice(0, 300)}`).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('after the malformed requests', () => {
  it('the server still serves discovery and issues tokens normally', async () => {
    expect(requests).toBeGreaterThan(ENDPOINTS.length * RUNS * 0.9);
    expect((await fetch(`${server.issuer}/.well-known/openid-configuration`)).status).toBe(200);
    const response = await fetch(`${server.issuer}/connect/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('service.client:secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api1' }),
    });
    expect(response.status).toBe(200);
  });

  it('a request line or headers over the size limit are refused with 431/414, not a crash', async () => {
    const long = await fetch(`${server.issuer}/connect/authorize?state=${'a'.repeat(70_000)}`);
    expect([414, 431]).toContain(long.status);
  });
});
