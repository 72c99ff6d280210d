import type { LoginThrottle, OidcAdapterFactory, ResourceStore, UserStore } from '@idsrv/model';
import { findAccountFromUsers } from '@idsrv/provider';
import type Provider from 'oidc-provider';
import type { Configuration } from 'oidc-provider';
import { createConsentStore } from './consents.ts';
import { deviceSuccessSource, userCodeConfirmSource, userCodeInputSource } from './device.tsx';
import { loadExistingGrant } from './grants.ts';
import { frontChannelLogout, logoutSource, postLogoutSuccessSource, renderError } from './logout.tsx';
import { interactionRoutes } from './routes.tsx';
import { createLoginThrottle, type LoginThrottleOptions } from './throttle.ts';

/** Options of {@link createInteractions}. */
export interface InteractionsOptions {
  /** Who can sign in (`createTestUserStore` of `@idsrv/users`, or your own {@link UserStore}). */
  users: UserStore;
  /** Identity resources and API scopes, for the consent page's display names. */
  resources: ResourceStore;
  /** The store's adapter factory: remembered consents are kept there (model `IdsrvConsent`). */
  adapter: OidcAdapterFactory;
  /** Path prefix of the login and consent pages. @default '/interaction' */
  path?: string;
  /**
   * Failed sign-ins allowed per username and per IP before the login page makes them wait: limits for a throttle in
   * this process's memory (`createLoginThrottle`), a throttle of your own — one shared by several instances, such as
   * the Redis store's `createLoginThrottle()`, or the one you also give the password grant — or `false` (off).
   * @default { maxFailuresPerUsername: 5, maxFailuresPerIp: 20, windowSeconds: 300 }, in memory
   */
  throttle?: LoginThrottleOptions | LoginThrottle | false;
  /** The name in the pages' header and titles. @default 'idsrv' */
  productName?: string;
}

/** The two halves of the sign-in experience: configuration for the `Provider`, then routes on it. */
export interface Interactions {
  /**
   * oidc-provider configuration: `interactions.url`, `findAccount` (the same users), `loadExistingGrant`
   * (IdentityServer's consent rules), `renderError`, and the logout pages (`features.rpInitiatedLogout`). Pass it as `configuration` to
   * `createIdsrvProvider` (merge your own keys into it if you have any).
   */
  readonly configuration: Configuration;
  /** Mounts the login/consent routes and front-channel logout on the provider. Call once, before serving. */
  mount(provider: Provider): Provider;
}

/**
 * The login, consent, logout and error pages of an idsrv token service, server-rendered (preact, escaped), usable
 * without JavaScript, for oidc-provider.
 *
 * @example
 * const users = createTestUserStore(config.sections.TestUsers);
 * const interactions = createInteractions({ users, resources: store.resources, adapter: store.adapter });
 * const provider = await createIdsrvProvider({ ...options, users, configuration: interactions.configuration });
 * interactions.mount(provider);
 */
export function createInteractions(options: InteractionsOptions): Interactions {
  const path = (options.path ?? '/interaction').replace(/\/+$/, '');
  const productName = options.productName ?? 'idsrv';
  const consents = createConsentStore(options.adapter);
  const throttle =
    options.throttle === false
      ? undefined
      : isThrottle(options.throttle)
        ? options.throttle
        : createLoginThrottle(options.throttle);
  let mounted = false;

  const configuration: Configuration = {
    interactions: { url: (_ctx, interaction) => `${path}/${interaction.uid}` },
    // The same accounts the login page signs in, even when the provider was not given `users` itself.
    findAccount: findAccountFromUsers(options.users) as never,
    conformIdTokenClaims: false,
    loadExistingGrant: loadExistingGrant(consents) as never,
    renderError: renderError(productName) as never,
    features: {
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: logoutSource(productName) as never,
        postLogoutSuccessSource: postLogoutSuccessSource(productName) as never,
      },
      // The device flow's pages (RFC 8628 user code entry); @idsrv/provider enables the flow and sets the code format.
      deviceFlow: {
        userCodeInputSource: userCodeInputSource(productName) as never,
        userCodeConfirmSource: userCodeConfirmSource(productName) as never,
        successSource: deviceSuccessSource(productName) as never,
      },
    },
  };

  return {
    configuration,
    mount(provider) {
      if (mounted) throw new Error('createInteractions(): mount() was already called');
      mounted = true;
      provider.use(
        interactionRoutes(provider, {
          path,
          users: options.users,
          resources: options.resources,
          consents,
          throttle,
          productName,
        }) as never,
      );
      provider.use(frontChannelLogout(provider, productName) as never);
      return provider;
    },
  };
}

/**
 * Shorthand for a provider you configured yourself with {@link Interactions.configuration}: mounts the routes.
 * Prefer `createInteractions(options).mount(provider)`, which shares one consent store and throttle.
 */
export function mountInteractions(provider: Provider, interactions: Interactions): Provider {
  return interactions.mount(provider);
}

function isThrottle(value: LoginThrottleOptions | LoginThrottle | undefined): value is LoginThrottle {
  return typeof (value as LoginThrottle | undefined)?.retryAfter === 'function';
}
