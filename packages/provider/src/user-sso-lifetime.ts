import { type Configuration, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { clientSettings } from './client-settings.ts';

/** The reason oidc-provider reports (in the interaction's `prompt.reasons`) when a client's UserSsoLifetime is over. */
export const USER_SSO_LIFETIME_REASON = 'user_sso_lifetime';

/**
 * IdentityServer's `UserSsoLifetime`: a client that sets it accepts a single sign-on session only while the user's
 * last sign-in (the session's `auth_time`) is at most that many seconds old; after that, the user signs in again (or
 * `prompt=none` gets `login_required`). It is `max_age` fixed by the client instead of sent by it, so it is a check
 * of oidc-provider's `login` prompt beside `max_age`, and, like that one, it is satisfied by the sign-in that just
 * happened in this interaction.
 */
export function userSsoLifetimeCheck(): interactionPolicy.Check {
  return new interactionPolicy.Check(
    USER_SSO_LIFETIME_REASON,
    "End-User authentication is older than the client's UserSsoLifetime",
    'login_required',
    (ctx: KoaContextWithOIDC) => {
      const { session, client, result } = ctx.oidc;
      if (!client || !session?.accountId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const lifetime = clientSettings(client).userSsoLifetime;
      if (lifetime === undefined || (result as { login?: unknown } | undefined)?.login) {
        return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      }
      return session.past(lifetime)
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    },
  );
}

/**
 * oidc-provider's `interactions` with the UserSsoLifetime check added to the `login` prompt of the given policy
 * (oidc-provider's default policy when none is given). The other settings (`url`) are kept.
 */
export function withUserSsoLifetime(
  interactions: Configuration['interactions'] = {},
): NonNullable<Configuration['interactions']> {
  const policy = interactions.policy ?? interactionPolicy.base();
  const login = policy.find((prompt) => prompt.name === 'login');
  if (login && !login.checks.get(USER_SSO_LIFETIME_REASON)) login.checks.add(userSsoLifetimeCheck());
  return { ...interactions, policy };
}
