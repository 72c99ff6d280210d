import { clientSettings } from '@idsrv/provider';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { ErrorPage } from './pages/error.tsx';
import { renderPage } from './pages/layout.tsx';
import {
  AUTO_CONTINUE_SCRIPT,
  AUTO_SUBMIT_SCRIPT,
  type FrontChannelTarget,
  LoggedOutPage,
  LogoutPage,
} from './pages/logout.tsx';
import { setPageHeaders } from './security-headers.ts';

interface SessionLike {
  authorizations?: Record<string, unknown>;
  sidFor(clientId: string): string | undefined;
  state?: { secret?: string };
}

/**
 * oidc-provider's `features.rpInitiatedLogout.logoutSource`: the "Would you like to sign out?" page. With a valid
 * `id_token_hint` the form submits itself (IdentityServer does not ask the user then); without JavaScript the user
 * clicks the button.
 */
export function logoutSource(productName: string) {
  return async (ctx: KoaContextWithOIDC, _form: string): Promise<void> => {
    const session = ctx.oidc.session as unknown as SessionLike;
    const autoSubmit = Boolean(ctx.oidc.entities.IdTokenHint && ctx.oidc.client);
    setPageHeaders(ctx, autoSubmit ? { scripts: [AUTO_SUBMIT_SCRIPT] } : {});
    ctx.body = renderPage(
      <LogoutPage
        productName={productName}
        action={ctx.oidc.urlFor('end_session_confirm')}
        xsrf={String(session.state?.secret ?? '')}
        autoSubmit={autoSubmit}
      />,
    );
  };
}

/** oidc-provider's `postLogoutSuccessSource`: "You are now signed out" when no client asked to get the user back. */
export function postLogoutSuccessSource(productName: string) {
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    setPageHeaders(ctx);
    ctx.body = renderPage(<LoggedOutPage productName={productName} frontChannel={[]} />);
  };
}

/** oidc-provider's `renderError`: the error page, for errors that cannot go back to the client. */
export function renderError(productName: string) {
  return async (
    ctx: KoaContextWithOIDC,
    out: { error: string; error_description?: string },
  ): Promise<void> => {
    ctx.type = 'html';
    setPageHeaders(ctx);
    ctx.body = renderPage(
      <ErrorPage productName={productName} error={out.error} description={out.error_description} />,
    );
  };
}

/** The front-channel logout URL of every client the session signed into that has a FrontChannelLogoutUri. */
export async function frontChannelTargets(
  provider: Provider,
  session: SessionLike,
): Promise<FrontChannelTarget[]> {
  const targets: FrontChannelTarget[] = [];
  for (const clientId of Object.keys(session.authorizations ?? {})) {
    const client = await provider.Client.find(clientId).catch(() => undefined);
    if (!client) continue;
    const settings = clientSettings(client);
    if (!settings.frontChannelLogoutUri) continue;
    const url = new URL(settings.frontChannelLogoutUri);
    const sid = session.sidFor(clientId);
    if (settings.frontChannelLogoutSessionRequired && sid) {
      url.searchParams.set('iss', provider.issuer);
      url.searchParams.set('sid', sid);
    }
    targets.push({ clientName: settings.clientName ?? clientId, url: url.href });
  }
  return targets;
}

/**
 * Koa middleware for OpenID Connect Front-Channel Logout 1.0, which oidc-provider (since v7) does not implement. When
 * the end-session confirmation has ended a session that signed into clients with a FrontChannelLogoutUri, its redirect
 * (to the client's post-logout redirect URI, or to the "signed out" page) becomes a page that loads each client's
 * logout URL in a hidden iframe and then follows that redirect. Back-channel logout is oidc-provider's own.
 */
export function frontChannelLogout(provider: Provider, productName: string) {
  // Only the end-session confirmation (`POST {end_session}/confirm`) ends sessions; everything else passes straight on.
  return (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> =>
    ctx.method === 'POST' && ctx.path.endsWith('/confirm') ? afterConfirmation(ctx, next) : next();

  async function afterConfirmation(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    await next();
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    if (oidc?.route !== 'end_session_confirm' || ctx.status !== 303 || !oidc.session) return;
    // The session record is destroyed by now, but the object still lists the clients and their sids.
    const targets = await frontChannelTargets(provider, oidc.session as unknown as SessionLike);
    if (targets.length === 0) return;
    const location = ctx.response.get('Location');
    const toSuccessPage = location.startsWith(oidc.urlFor('end_session_success'));
    const client = oidc.entities.Client as { clientId: string } | undefined;
    const clientName = client ? (clientSettings(client).clientName ?? client.clientId) : undefined;
    ctx.remove('Location');
    ctx.status = 200;
    ctx.type = 'text/html; charset=utf-8';
    setPageHeaders(ctx, {
      scripts: [AUTO_CONTINUE_SCRIPT],
      frameOrigins: targets.map((target) => new URL(target.url).origin),
    });
    ctx.body = renderPage(
      <LoggedOutPage
        productName={productName}
        continueUrl={toSuccessPage ? undefined : location}
        clientName={clientName}
        frontChannel={targets}
      />,
    );
  }
}
