import { createHash } from 'node:crypto';
import {
  GrantType,
  type OidcAdapter,
  type OidcAdapterFactory,
  USER_CODE_TYPES,
  type UserCodeFormat,
  userCodeFormat,
} from '@idsrv/model';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';

/**
 * Seconds a device waits between polls when its client sets no `PollingInterval`: RFC 8628 §3.2's default and
 * IdentityServer's `DeviceFlowOptions.Interval`.
 */
export const DEFAULT_POLLING_INTERVAL = 5;

/** The adapter model name of the last-poll records behind `slow_down`. */
export const DEVICE_POLL_MODEL = 'IdsrvDevicePoll';

type DeviceFlowConfiguration = NonNullable<NonNullable<Configuration['features']>['deviceFlow']>;
type InputSource = NonNullable<DeviceFlowConfiguration['userCodeInputSource']>;
type ConfirmSource = NonNullable<DeviceFlowConfiguration['userCodeConfirmSource']>;
type SuccessSource = NonNullable<DeviceFlowConfiguration['successSource']>;

/** The seconds a client's device must wait between polls: its `PollingInterval`, else {@link DEFAULT_POLLING_INTERVAL}. */
export function pollingInterval(client: unknown): number {
  return clientSettings(client).pollingInterval ?? DEFAULT_POLLING_INTERVAL;
}

/**
 * A normalized user code (as stored: upper case, no separators) in the display form of a client's `UserCodeType`,
 * e.g. `WDJBMJHT` → `WDJB-MJHT` for `Base20`.
 */
export function formatUserCode(normalized: string, userCodeType: string | undefined): string {
  const chars = [...normalized];
  const { mask } = userCodeFormat(userCodeType);
  const shown = [...mask].map((c) => (c === '*' ? (chars.shift() ?? '') : c)).join('');
  // A code longer than the mask (another type's code) is shown whole rather than cut.
  return chars.length > 0 ? normalized : shown;
}

// oidc-provider's error handler reads `charset` at the start of every request, before any client is known: that
// answer is the default format, computed once.
const DEFAULT_FORMAT = userCodeFormat(undefined);

/** The user code format of the request's client, or the default type's when the request has no client (yet). */
function currentFormat(): UserCodeFormat {
  const client = Provider.ctx?.oidc?.client;
  return client ? userCodeFormat(clientSettings(client).userCodeType) : DEFAULT_FORMAT;
}

// oidc-provider keeps a feature object that is not a plain object as it is (it merges plain objects with its defaults
// and reads `charset` and `mask` from the kept object on every request), so own getters can answer per request.
class DeviceFlowFeature {}

/**
 * oidc-provider's `features.deviceFlow` with IdentityServer's per-client `UserCodeType`: `charset` and `mask` are
 * getters that read the client of the current request (`Provider.ctx`), so the device authorization endpoint generates
 * each client's own kind of code (nine digits by default). The pages come from `pages` (`@idsrv/interactions` gives
 * styled ones); without them, minimal unstyled pages that work.
 *
 * `pages.enabled: false` turns the device flow off.
 *
 * @throws {TypeError} when `pages` sets `charset` or `mask`: user codes follow each client's `UserCodeType`, and a
 *   server-wide format would be silently overridden.
 */
export function deviceFlowFeature(pages: DeviceFlowConfiguration | undefined): DeviceFlowConfiguration {
  for (const key of ['charset', 'mask'] as const) {
    if (pages?.[key] !== undefined) {
      throw new TypeError(
        `features.deviceFlow.${key} cannot be set: idsrv formats user codes per client from its UserCodeType (${Object.keys(USER_CODE_TYPES).join(', ')})`,
      );
    }
  }
  const feature = new DeviceFlowFeature() as DeviceFlowConfiguration;
  Object.defineProperties(feature, {
    enabled: { value: pages?.enabled ?? true, enumerable: true },
    charset: { get: () => currentFormat().charset, enumerable: true },
    mask: { get: () => currentFormat().mask, enumerable: true },
    deviceInfo: { value: pages?.deviceInfo ?? deviceInfo, enumerable: true },
    userCodeInputSource: { value: pages?.userCodeInputSource ?? plainInputSource, enumerable: true },
    userCodeConfirmSource: { value: pages?.userCodeConfirmSource ?? plainConfirmSource, enumerable: true },
    successSource: { value: pages?.successSource ?? plainSuccessSource, enumerable: true },
  });
  return feature;
}

// oidc-provider's default: what the confirmation page may show about the device that asked.
function deviceInfo(ctx: KoaContextWithOIDC) {
  return { ip: ctx.ip, ua: ctx.get('user-agent') };
}

// The fallback pages only wrap the forms oidc-provider builds (its own escaping); @idsrv/interactions replaces them.
const plainPage = (title: string, body: string) =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

const plainInputSource: InputSource = async (ctx, form, _out, err) => {
  ctx.type = 'html';
  ctx.body = plainPage(
    'Connect a device',
    `${err ? '<p role="alert">That code is not valid or has expired. Try again.</p>' : '<p>Enter the code shown on your device.</p>'}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`,
  );
};

const plainConfirmSource: ConfirmSource = async (ctx, form) => {
  ctx.type = 'html';
  ctx.body = plainPage(
    'Confirm the device',
    `<p>Continue only if your device shows this code and you started the sign-in.</p>${form}<button type="submit" form="op.deviceConfirmForm">Continue</button>`,
  );
};

const plainSuccessSource: SuccessSource = async (ctx) => {
  ctx.type = 'html';
  ctx.body = plainPage('Device connected', '<p>You can close this page and return to your device.</p>');
};

/** What {@link devicePolling} needs. */
export interface DevicePollingOptions {
  /**
   * Where the last poll of each device code is remembered (model {@link DEVICE_POLL_MODEL}), so `slow_down` holds
   * across instances sharing a store. Without it, this process remembers them.
   */
  adapter?: OidcAdapterFactory | undefined;
}

/**
 * A step after the token and device authorization endpoints (`PathRouter.after`) completing oidc-provider's device
 * flow the way IdentityServer and RFC 8628 have it; oidc-provider announces no polling interval and never answers
 * `slow_down`:
 * - the device authorization response carries `interval`: the client's `PollingInterval` (default 5 s);
 * - a poll for a pending device code sooner than `interval` seconds after the previous one is `slow_down`
 *   (RFC 8628 §3.5) instead of `authorization_pending` — like IdentityServer's `DeviceFlowThrottlingService`, every
 *   pending poll restarts the wait, so a device has to back off;
 * - a client without the device grant gets `unauthorized_client` from the device authorization endpoint (RFC 8628
 *   §3.2 uses RFC 6749's token errors; IdentityServer says the same), not `invalid_request`.
 */
export function devicePolling(options: DevicePollingOptions) {
  const polls = options.adapter ? options.adapter(DEVICE_POLL_MODEL) : processLocalPolls();
  // Only a pending device poll waits for the store; every other request passes without a promise.
  return (ctx: KoaContextWithOIDC): Promise<void> | undefined => {
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    if (!oidc?.client) return;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (oidc.route === 'device_authorization') {
      if (ctx.status === 200 && typeof body?.device_code === 'string') {
        body.interval = pollingInterval(oidc.client);
      } else if (
        ctx.status === 400 &&
        body?.error === 'invalid_request' &&
        !oidc.client.grantTypeAllowed(GrantType.DeviceFlow)
      ) {
        ctx.body = {
          error: 'unauthorized_client',
          error_description: `the client is not allowed to use the ${GrantType.DeviceFlow} grant type`,
        };
      }
      return;
    }
    if (
      oidc.route !== 'token' ||
      ctx.status !== 400 ||
      body?.error !== 'authorization_pending' ||
      oidc.params?.grant_type !== GrantType.DeviceFlow ||
      typeof oidc.params.device_code !== 'string'
    ) {
      return;
    }
    return slowDownFastPolls(ctx, oidc.client, oidc.params.device_code);
  };

  async function slowDownFastPolls(
    ctx: KoaContextWithOIDC,
    client: NonNullable<KoaContextWithOIDC['oidc']['client']>,
    deviceCode: string,
  ): Promise<void> {
    const interval = pollingInterval(client);
    // The record is keyed by a hash: the device code is a bearer credential and the key names show in the store.
    const id = createHash('sha256').update(deviceCode).digest('base64url');
    const now = Date.now();
    const last = await polls.find(id);
    // One second past the interval keeps the record for a poll that arrives exactly on time.
    await polls.upsert(id, { lastPolledAt: now }, interval + 1);
    const lastPolledAt = typeof last?.lastPolledAt === 'number' ? last.lastPolledAt : undefined;
    if (lastPolledAt !== undefined && now - lastPolledAt < interval * 1000) {
      ctx.body = {
        error: 'slow_down',
        error_description: `poll at most every ${interval} seconds; wait 5 seconds longer from now on (RFC 8628 §3.5)`,
      };
    }
  }
}

/** The last polls in this process's memory, for a provider installed without an adapter. */
function processLocalPolls(): Pick<OidcAdapter, 'find' | 'upsert'> {
  const records = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>();
  return {
    async find(id) {
      const record = records.get(id);
      if (!record || record.expiresAt <= Date.now()) return undefined;
      return record.payload as never;
    },
    async upsert(id, payload, expiresIn) {
      const now = Date.now();
      // Expired entries go on write, so the map holds at most one interval's worth of devices.
      for (const [key, record] of records) if (record.expiresAt <= now) records.delete(key);
      records.set(id, {
        payload: payload as Record<string, unknown>,
        expiresAt: now + (expiresIn ?? 0) * 1000,
      });
    },
  };
}

/**
 * Koa middleware for the user-code page (`code_verification`; installIdsrv mounts it there): a POST that fails before
 * oidc-provider has a saved session (no session cookie, a bad `xsrf`) has its error page rendered, and then
 * oidc-provider's session wrapper tries to `persist()` the session the page touched but nobody ever saved — a
 * `TypeError` that would turn the rendered 4xx page into a 500. The page is the right answer, so it stands; a new
 * session that was never saved has nothing to persist.
 */
export function codeVerificationErrors() {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    try {
      await next();
    } catch (error) {
      const unsavedSession =
        error instanceof TypeError && /previously persisted Sessions/.test(error.message);
      if (!unsavedSession || ctx.body === undefined || ctx.status >= 500) throw error;
    }
  };
}
