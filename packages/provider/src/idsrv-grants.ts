import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { createGrantSupport } from './grant-support.ts';
import type { IdsrvProviderOptions } from './options.ts';
import { PASSWORD_GRANT_PARAMETERS, PASSWORD_GRANT_TYPE, passwordGrantHandler } from './password-grant.ts';
import {
  TOKEN_EXCHANGE_GRANT_TYPE,
  TOKEN_EXCHANGE_PARAMETERS,
  tokenExchangeHandler,
} from './token-exchange.ts';

type GrantOptions = Pick<
  IdsrvProviderOptions,
  'resources' | 'jwks' | 'users' | 'passwordGrant' | 'tokenExchangePolicy'
> & {
  findAccount?: ((ctx: KoaContextWithOIDC, sub: string) => unknown) | undefined;
};

/**
 * Registers idsrv's own grant types on the provider: `password` and RFC 8693 token exchange. Both are always
 * registered, because oidc-provider refuses to load a client whose `grant_types` names a grant type it does not know
 * (so a client listing `password` on a server without users gets `unsupported_grant_type`, not a broken client);
 * a client that does not list one gets `unauthorized_client`.
 */
export function registerIdsrvGrants(provider: Provider, options: GrantOptions): void {
  const support = createGrantSupport({
    issuer: provider.issuer,
    resources: options.resources,
    jwks: options.jwks as never,
  });
  provider.registerGrantType(
    PASSWORD_GRANT_TYPE,
    passwordGrantHandler({
      support,
      users: options.users,
      throttle: options.passwordGrant?.throttle,
    }) as never,
    PASSWORD_GRANT_PARAMETERS,
  );
  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT_TYPE,
    tokenExchangeHandler({
      support,
      jwks: options.jwks as never,
      findAccount: options.findAccount as never,
      policy: options.tokenExchangePolicy,
    }) as never,
    TOKEN_EXCHANGE_PARAMETERS,
    // RFC 8693 §2.1: `audience` and `resource` may be given more than once.
    ['audience', 'resource'],
  );
}
