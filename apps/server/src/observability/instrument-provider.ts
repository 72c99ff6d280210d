import { randomUUID } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { labelledChildren } from './labelled-children.ts';
import type { IdsrvMetrics } from './metrics.ts';

/** Options of {@link instrumentProvider}. */
export interface InstrumentProviderOptions {
  /** One line per request, and server errors with their stack. @default undefined (no logs) */
  logger?: Logger | undefined;
  /** Token, error and latency metrics. @default undefined (no metrics) */
  metrics?: IdsrvMetrics | undefined;
  /** Answer `GET /metrics` on this provider's port (off when metrics have a port of their own). @default false */
  serveMetrics?: boolean;
  /** Where `@idsrv/interactions` serves its pages, for the `route` label. @default '/interaction' */
  interactionPath?: string;
}

/** The request id header: taken from the request when it is sane, else generated; always echoed. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

// What a proxy or client might send as an id (UUIDs, ULIDs, hex, `Root=1-…`), and nothing that could forge a log line
// or blow up its size: no spaces, quotes, control characters; at most 128 characters.
const SANE_REQUEST_ID = /^[A-Za-z0-9._~:/+=@-]{1,128}$/;
// oidc-provider's error codes (`invalid_client`, `server_error` …); anything else is not used as a label value.
const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);
// Endpoints probed every few seconds, logged at debug so that they do not drown the protocol traffic.
const PROBES = new Set(['healthz', 'readyz', 'metrics']);
const MAX_LOGGED_PATH = 256;

/** What the events of one request tell the request's log line. */
interface RequestRecord {
  readonly requestId: string;
  /** The OAuth error an oidc-provider event reported (an authorization error travels in a redirect, not a body). */
  error?: { code: string; description?: string };
}

/** The request id of a request that went through {@link instrumentProvider}'s middleware. */
export function requestIdOf(ctx: { state?: Record<string, unknown> }): string | undefined {
  const id = ctx.state?.requestId;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Structured request logs and Prometheus metrics for an oidc-provider `Provider` (idsrv's or any other):
 *
 * - a middleware, placed before every other one so it sees the final status and body (after idsrv's own error
 *   rewriting) and times the whole request: it assigns a request id (an incoming `X-Request-Id` when sane, else a
 *   UUID), echoes it, logs one line per request and observes `idsrv_http_request_duration_seconds`;
 * - listeners of oidc-provider's events: `grant.success` (and implicit `authorization.success`) count
 *   `idsrv_tokens_issued_total`, every `*.error` event names the OAuth error of the request, `server_error` and
 *   `backchannel.error` are logged with their error.
 *
 * The line has `request_id`, `method`, `path` (never the query string: it carries codes and `id_token_hint`),
 * `route` (oidc-provider's endpoint name, or `healthz`/`readyz`/`metrics`/`interaction`/`unmatched`), `status`,
 * `duration_ms`, `outcome` (`success`/`error`), and when known `client_id` (a client the store knows; an unknown id
 * is never logged), `grant_type` (token endpoint), `error` and `error_description` (what the client was told). No
 * header, cookie or body is logged.
 *
 * Call it before `provider.callback()`.
 *
 * @example
 * instrumentProvider(provider, { logger: createLogger(), metrics: createMetrics(), serveMetrics: true });
 * http.createServer(provider.callback()).listen(5000);
 */
export function instrumentProvider(provider: Provider, options: InstrumentProviderOptions): void {
  const { logger, metrics } = options;
  const interactionPrefix = `${(options.interactionPath ?? '/interaction').replace(/\/+$/, '')}/`;
  // The record rides on the request's context under a symbol of this call (a WeakMap entry per request would cost
  // the garbage collector more than the property does).
  const RECORD = Symbol('idsrv request record');
  const recordOf = (ctx: object) => (ctx as { [RECORD]?: RequestRecord })[RECORD];
  // The latency histogram's series, one per (route, method, status): a bounded set. Called only with metrics.
  const durationOf = labelledChildren(
    (route: string, method: string, status: number) => `${route} ${method} ${status}`,
    (route, method, status) => metrics!.requestDuration.labels({ route, method, status: String(status) }),
  );

  const routeOf = (ctx: KoaContextWithOIDC): string => {
    // `ctx.oidc` exists only on oidc-provider's own routes, whose names (`token`, `authorization`, `resume`,
    // `cors.token` …) are a fixed set: a bounded label, unlike the raw path.
    const route = (ctx as { oidc?: { route?: string } }).oidc?.route;
    if (route) return route;
    if (ctx.path === '/healthz') return 'healthz';
    if (ctx.path === '/readyz') return 'readyz';
    if (ctx.path === '/metrics') return 'metrics';
    if (ctx.path.startsWith(interactionPrefix)) return 'interaction';
    return 'unmatched';
  };

  const serveMetricsPage = async (ctx: KoaContextWithOIDC, registry: IdsrvMetrics['registry']) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  };

  // Not async: every request passes here, and one `.then` costs less than an async frame and its awaits.
  const middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    const started = performance.now();
    const incoming = ctx.get(REQUEST_ID_HEADER);
    const requestId = SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const record: RequestRecord = { requestId };
    (ctx as { [RECORD]?: RequestRecord })[RECORD] = record;
    ctx.state.requestId = requestId;
    ctx.set(REQUEST_ID_HEADER, requestId);
    // The method first: a token request (POST) then skips reading the path.
    const rest =
      options.serveMetrics &&
      metrics &&
      (ctx.method === 'GET' || ctx.method === 'HEAD') &&
      ctx.path === '/metrics'
        ? serveMetricsPage(ctx, metrics.registry)
        : next();
    return rest.then(
      () => finish(ctx, record, started, undefined),
      (error: unknown) => {
        // Koa's error response drops the headers set so far and sets the error's own: keep the id on it.
        const withHeaders = error as { headers?: Record<string, string> };
        if (error && typeof error === 'object')
          withHeaders.headers = { ...withHeaders.headers, [REQUEST_ID_HEADER]: requestId };
        finish(ctx, record, started, error);
        throw error;
      },
    );
  };

  const finish = (ctx: KoaContextWithOIDC, record: RequestRecord, started: number, thrown: unknown): void => {
    const seconds = (performance.now() - started) / 1000;
    // An error that escaped every handler is answered by koa with its status, or 500.
    const status = thrown === undefined ? ctx.status : Number((thrown as { status?: number }).status) || 500;
    const route = routeOf(ctx);
    const oidc = (ctx as { oidc?: KoaContextWithOIDC['oidc'] }).oidc;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    // The body's error is what the client got (idsrv rewrites some of oidc-provider's); the event's error covers
    // errors sent in a redirect.
    const bodyError =
      thrown === undefined &&
      status >= 400 &&
      body &&
      typeof body === 'object' &&
      typeof body.error === 'string'
        ? {
            code: body.error,
            description: typeof body.error_description === 'string' ? body.error_description : undefined,
          }
        : undefined;
    // An error that escaped every handler and became a 5xx is a server error; a 4xx one (a body koa could not parse)
    // has no OAuth code.
    const escaped = thrown !== undefined && status >= 500 ? { code: 'server_error' } : undefined;
    const error: { code: string; description?: string | undefined } | undefined =
      bodyError ?? record.error ?? escaped;
    const errorCode = error && ERROR_CODE.test(error.code) ? error.code : error ? 'other' : undefined;
    const method = METHODS.has(ctx.method) ? ctx.method : 'other';
    if (metrics) {
      durationOf(route, method, status).observe(seconds);
      if (oidc && errorCode) metrics.oauthErrors.inc({ endpoint: route, error: errorCode });
    }
    if (!logger) return;
    const path = ctx.path.length > MAX_LOGGED_PATH ? `${ctx.path.slice(0, MAX_LOGGED_PATH)}…` : ctx.path;
    // oidc-provider reports its own server errors (the `server_error` listener); this one escaped everything.
    if (escaped)
      logger.error(
        { request_id: record.requestId, route, err: thrown },
        `unhandled error on ${ctx.method} ${path}`,
      );
    const level = status >= 500 ? 'error' : PROBES.has(route) ? 'debug' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    const clientId = safeClientId(oidc);
    const grantType = route === 'token' ? safeParam(oidc, 'grant_type') : undefined;
    logger[level](
      {
        request_id: record.requestId,
        method: ctx.method,
        path,
        route,
        status,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
        outcome: error || status >= 400 ? 'error' : 'success',
        ...(clientId !== undefined ? { client_id: clientId } : {}),
        ...(grantType !== undefined ? { grant_type: grantType } : {}),
        ...(errorCode !== undefined ? { error: errorCode } : {}),
        ...(error?.description !== undefined ? { error_description: error.description.slice(0, 512) } : {}),
      },
      `${method} ${path} ${status}`,
    );
  };

  // Koa runs middleware in array order; provider.use() would place this after idsrv's own middleware (which answers
  // some requests itself and rewrites some errors), so it goes first. Koa composes the array in callback().
  provider.middleware.unshift(middleware as (typeof provider.middleware)[number]);

  const onError = (ctx: KoaContextWithOIDC, err: Error & { error_description?: string }) => {
    const record = recordOf(ctx);
    if (!record) return;
    // oidc-provider's errors have the OAuth error code as their message.
    record.error = {
      code: err.message,
      ...(typeof err.error_description === 'string' ? { description: err.error_description } : {}),
    };
  };
  for (const event of ERROR_EVENTS) provider.on(event as 'grant.error', onError);

  provider.on('server_error', (ctx, err) => {
    const record = recordOf(ctx);
    if (record) record.error = { code: 'server_error' };
    logger?.error(
      { request_id: record?.requestId, route: routeOf(ctx), err },
      `server_error on ${ctx.method} ${ctx.path}: ${err.message}`,
    );
  });
  provider.on('backchannel.error', (ctx, err, client) => {
    logger?.warn(
      { request_id: recordOf(ctx)?.requestId, client_id: client.clientId, err },
      `back-channel logout to client ${client.clientId} failed: ${err.message}`,
    );
  });

  if (metrics) {
    // The client on these events authenticated (or, for implicit, was found and its redirect URI matched): an id a
    // caller merely sent never becomes a label value.
    const clientLabel = (ctx: KoaContextWithOIDC) =>
      metrics.clientIdLabel ? (safeClientId(ctx.oidc) ?? '') : '';
    // One counter child per (grant type, client): grant types × known clients.
    const issuedBy = labelledChildren(
      (grantType: string, clientId: string) => `${grantType} ${clientId}`,
      (grantType, clientId) => metrics.tokensIssued.labels({ grant_type: grantType, client_id: clientId }),
    );
    const countToken = (grantType: string, clientId: string) => issuedBy(grantType, clientId).inc();
    provider.on('grant.success', (ctx) => {
      const grantType = safeParam(ctx.oidc, 'grant_type');
      if (grantType) countToken(grantType, clientLabel(ctx));
    });
    provider.on('authorization.success', (ctx) => {
      const responseType = safeParam(ctx.oidc, 'response_type');
      if (responseType?.split(' ').includes('token')) countToken('implicit', clientLabel(ctx));
    });
  }
}

/** oidc-provider's `(ctx, err)` error events, one per endpoint (see its docs/events.md); `server_error` is apart. */
const ERROR_EVENTS = [
  'authorization.error',
  'backchannel_authentication.error',
  'code_verification.error',
  'device_authorization.error',
  'device_resume.error',
  'discovery.error',
  'end_session.error',
  'end_session_confirm.error',
  'end_session_success.error',
  'grant.error',
  'introspection.error',
  'jwks.error',
  'pushed_authorization_request.error',
  'registration_create.error',
  'registration_delete.error',
  'registration_read.error',
  'registration_update.error',
  'revocation.error',
  'userinfo.error',
] as const;

function safeClientId(oidc: KoaContextWithOIDC['oidc'] | undefined): string | undefined {
  // Set only once the store returned the client: a known id, not whatever the request said.
  const id = oidc?.client?.clientId;
  return typeof id === 'string' ? id : undefined;
}

function safeParam(oidc: KoaContextWithOIDC['oidc'] | undefined, name: string): string | undefined {
  const value = (oidc?.params as Record<string, unknown> | undefined)?.[name];
  // A grant type or response type is a short token; anything else a caller sent is not worth a log field.
  return typeof value === 'string' && /^[A-Za-z0-9:._ -]{1,100}$/.test(value) ? value : undefined;
}
