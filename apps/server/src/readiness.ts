import type { RedisBackend } from './redis.ts';

/** The last configuration reload, as `/readyz` reports it. */
export interface ConfigurationState {
  /** `valid`: the configuration in force is the file's; `invalid`: the last edit was rejected and the one before serves. */
  status: 'valid' | 'invalid';
  /** Whether the file is being watched (`serve --watch`). */
  watching: boolean;
  /** When the configuration in force was loaded or last reloaded (ISO 8601). */
  loadedAt: string;
  /** When the rejected edit was seen (ISO 8601), while `status` is `invalid`. */
  rejectedAt?: string;
}

/** What `/readyz` looks at. Each function is called once per request. */
export interface ReadinessSources {
  /** The server's Redis, when it runs on Redis (PING and the change subscription); undefined on the memory store. */
  backend?: RedisBackend | undefined;
  /** How many signing keys the provider holds; 0 means it cannot issue tokens. */
  signingKeys: () => number;
  /** The configuration's state (see {@link ConfigurationState}). */
  configuration: () => ConfigurationState;
  /** True while the server shuts down: a load balancer should stop sending traffic. */
  draining: () => boolean;
}

/** Koa-style context, as much of it as the probes need. */
interface ReadinessContext {
  path: string;
  method: string;
  status: number;
  body: unknown;
  set(field: string, value: string): void;
}

/**
 * `GET /readyz`: 200 `{ status: 'ready', … }` when the server can serve requests; 503 with `status: 'stopping'` while
 * it shuts down, or `status: 'unavailable'` while its Redis does not answer a PING or it has no signing key (a load
 * balancer then sends traffic elsewhere). The body names each part: `store` (and `redis`), `keys`, `configuration`.
 *
 * A rejected configuration edit is reported (`configuration.status: 'invalid'`) but keeps the server ready: it still
 * serves the last valid configuration, and one typo in a file shared by every instance must not take all of them out
 * of the load balancer at once. The problems themselves are in the log, not in this unauthenticated answer.
 * `GET /healthz` is the cheap liveness check that touches nothing: 200 `{ status: 'ok' }` while the process serves.
 *
 * Both probes are one middleware, because every other request passes through it: a POST (every token request) after
 * one method check.
 */
export function probeRoutes(sources: ReadinessSources) {
  return (ctx: ReadinessContext, next: () => Promise<void>): Promise<void> => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const { path } = ctx;
    if (path === '/healthz') {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { status: 'ok' };
      return Promise.resolve();
    }
    return path === '/readyz' ? ready(ctx) : next();
  };

  async function ready(ctx: ReadinessContext): Promise<void> {
    ctx.set('Cache-Control', 'no-store');
    const { backend } = sources;
    const keys = sources.signingKeys();
    const { status: configurationStatus, watching, loadedAt, rejectedAt } = sources.configuration();
    const parts = {
      keys: { status: keys > 0 ? 'loaded' : 'missing', signing: keys },
      configuration: {
        status: configurationStatus,
        watching,
        loadedAt,
        ...(rejectedAt ? { rejectedAt } : {}),
      },
    };
    let redis: Record<string, unknown> | undefined;
    let redisUp = true;
    if (backend) {
      try {
        const ms = await backend.ping();
        // `cache: 'bypassed'` while the change subscription is down: still ready, every lookup reads Redis.
        redis = {
          status: 'up',
          pingMs: Math.round(ms * 100) / 100,
          cache: backend.store.subscribed ? 'live' : 'bypassed',
        };
      } catch (error) {
        redisUp = false;
        redis = { status: 'down', error: (error as Error).message };
      }
    }
    const status = sources.draining() ? 'stopping' : redisUp && keys > 0 ? 'ready' : 'unavailable';
    if (status !== 'ready') ctx.status = 503;
    ctx.body = { status, store: backend ? 'redis' : 'memory', ...(redis ? { redis } : {}), ...parts };
  }
}
