import type { LoginThrottle, ResourceStore, UserStore } from '@idsrv/model';
import { clientSettings } from '@idsrv/provider';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { readForm } from './body.ts';
import type { ConsentStore } from './consents.ts';
import { ConsentPage } from './pages/consent.tsx';
import { ErrorPage } from './pages/error.tsx';
import { renderPage } from './pages/layout.tsx';
import { LoginPage } from './pages/login.tsx';
import { describeScopes, indicatorsOf, oidcScopeNames, split } from './scopes.ts';
import { sendPage } from './security-headers.ts';

/** What the interaction routes need. */
export interface InteractionRoutesOptions {
  /** Path prefix of the routes, e.g. `/interaction`. */
  path: string;
  users: UserStore;
  resources: ResourceStore;
  consents: ConsentStore;
  throttle: LoginThrottle | undefined;
  productName: string;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The messages the login page shows: the same for an unknown user and a wrong password, on purpose. */
export const LOGIN_MESSAGES = {
  invalid: 'Invalid username or password.',
  throttled: (seconds: number) =>
    `Too many failed sign-in attempts. Try again in ${seconds < 60 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`}.`,
} as const;

// The login and consent pages run no script and embed nothing. No form-action: the redirects after a form post end at
// the client's redirect URI, which form-action would also have to allow.
function html(ctx: KoaContextWithOIDC, body: string, status = 200): void {
  sendPage(ctx, body, status);
}

/**
 * Koa middleware (mounted with `provider.use`) serving the interaction pages under `options.path`:
 * `GET {path}/{uid}` shows the page for oidc-provider's current prompt (login or consent), `POST {path}/{uid}/login`
 * and `POST {path}/{uid}/consent` take the forms. Requests are tied to the browser by oidc-provider's interaction
 * cookie (path-scoped to the uid, SameSite=Lax), which is what makes the forms safe from cross-site posts.
 */
export function interactionRoutes(provider: Provider, options: InteractionRoutesOptions) {
  const prefix = options.path.replace(/\/+$/, '');
  const pattern = new RegExp(
    `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([A-Za-z0-9_-]{1,64})(/login|/consent)?$`,
  );
  const { productName } = options;

  const clientOf = async (details: Details) => {
    const client = await provider.Client.find(String(details.params.client_id));
    if (!client) return undefined;
    const settings = clientSettings(client);
    return { client, settings, name: settings.clientName ?? settings.clientId };
  };

  const loginPage = async (
    ctx: KoaContextWithOIDC,
    details: Details,
    extra: { username?: string; error?: string; status?: number } = {},
  ) => {
    const client = await clientOf(details);
    html(
      ctx,
      renderPage(
        <LoginPage
          productName={productName}
          action={`${prefix}/${details.uid}/login`}
          clientName={client?.name}
          username={extra.username ?? (details.params.login_hint as string | undefined)}
          error={extra.error}
        />,
      ),
      extra.status,
    );
  };

  const consentPage = async (ctx: KoaContextWithOIDC, details: Details) => {
    const client = await clientOf(details);
    if (!client) return errorPage(ctx, 'invalid_client', 'the client is unknown or disabled', 400);
    const scopes = await describeScopes(options.resources, split(details.params.scope));
    html(
      ctx,
      renderPage(
        <ConsentPage
          productName={productName}
          action={`${prefix}/${details.uid}/consent`}
          clientName={client.name}
          clientUri={client.settings.clientUri}
          identityScopes={scopes.identity}
          apiScopes={scopes.api}
          allowRemember={client.settings.allowRememberConsent}
        />,
      ),
    );
  };

  const errorPage = (ctx: KoaContextWithOIDC, error: string, description: string, status: number) =>
    html(
      ctx,
      renderPage(<ErrorPage productName={productName} error={error} description={description} />),
      status,
    );

  const finish = async (ctx: KoaContextWithOIDC, result: Record<string, unknown>) => {
    const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(to);
  };

  const login = async (ctx: KoaContextWithOIDC, details: Details) => {
    const form = await readForm(ctx.req);
    if (form.get('action') === 'cancel') {
      return finish(ctx, { error: 'access_denied', error_description: 'the user cancelled the sign-in' });
    }
    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    const wait = (await options.throttle?.retryAfter(username, ctx.ip)) ?? 0;
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      return loginPage(ctx, details, { username, error: LOGIN_MESSAGES.throttled(wait), status: 429 });
    }
    const user =
      username && password ? await options.users.validateCredentials(username, password) : undefined;
    if (!user) {
      await options.throttle?.failed(username, ctx.ip);
      return loginPage(ctx, details, { username, error: LOGIN_MESSAGES.invalid, status: 401 });
    }
    await options.throttle?.succeeded(username);
    return finish(ctx, { login: { accountId: user.subjectId, amr: ['pwd'], remember: true } });
  };

  const consent = async (ctx: KoaContextWithOIDC, details: Details) => {
    const form = await readForm(ctx.req);
    if (form.get('decision') !== 'allow') {
      return finish(ctx, { error: 'access_denied', error_description: 'the user denied the request' });
    }
    const client = await clientOf(details);
    const accountId = details.session?.accountId;
    if (!client || !accountId) return errorPage(ctx, 'invalid_request', 'the sign-in has expired', 400);

    const requested = split(details.params.scope);
    const described = await describeScopes(options.resources, requested);
    const required = new Set(
      [...described.identity, ...described.api].filter((s) => s.required).map((s) => s.name),
    );
    const chosen = new Set(form.getAll('scope'));
    const granted = requested.filter((s) => required.has(s) || chosen.has(s));
    const declined = requested.filter((s) => !granted.includes(s));
    const oidcScopes = await oidcScopeNames(options.resources);

    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ??
        new provider.Grant({ accountId, clientId: client.settings.clientId }))
      : new provider.Grant({ accountId, clientId: client.settings.clientId });
    const grantedOidc = granted.filter((s) => oidcScopes.has(s));
    if (grantedOidc.length > 0) grant.addOIDCScope(grantedOidc.join(' '));
    const declinedOidc = declined.filter((s) => oidcScopes.has(s));
    // Recording what was declined keeps oidc-provider from asking again for it in the same request.
    if (declinedOidc.length > 0) grant.rejectOIDCScope(declinedOidc.join(' '));
    const details_ = details.prompt.details as { missingOIDCClaims?: string[] };
    if (details_.missingOIDCClaims?.length) grant.addOIDCClaims(details_.missingOIDCClaims);
    for (const indicator of indicatorsOf(details.params.resource)) {
      if (granted.length > 0) grant.addResourceScope(indicator, granted.join(' '));
      if (declined.length > 0) grant.rejectResourceScope(indicator, declined.join(' '));
    }
    const grantId = await grant.save();

    if (form.get('remember') === 'yes' && client.settings.allowRememberConsent) {
      await options.consents.remember(
        { clientId: client.settings.clientId, subjectId: accountId, scopes: granted },
        client.settings.consentLifetime,
      );
    }
    return finish(ctx, { consent: { grantId } });
  };

  // Other paths pass straight on, without an async frame of this middleware (and, outside the prefix, without running
  // the pattern: every token request passes here).
  const under = `${prefix}/`;
  return (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    const path = ctx.path;
    const match = path.startsWith(under) ? pattern.exec(path) : null;
    return match ? serve(ctx, match) : next();
  };

  async function serve(ctx: KoaContextWithOIDC, match: RegExpExecArray): Promise<void> {
    const [, uid, action] = match;
    const method = ctx.method;
    if (action ? method !== 'POST' : method !== 'GET' && method !== 'HEAD') {
      ctx.set('Allow', action ? 'POST' : 'GET, HEAD');
      return errorPage(ctx, 'invalid_request', 'method not allowed', 405);
    }
    let details: Details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      // No interaction cookie, another browser's uid, or an expired interaction.
      return errorPage(
        ctx,
        'invalid_request',
        'the sign-in request has expired or was started in another browser',
        400,
      );
    }
    if (details.uid !== uid) {
      return errorPage(
        ctx,
        'invalid_request',
        'the sign-in request has expired or was started in another browser',
        400,
      );
    }
    const prompt = details.prompt.name;
    if (!action) {
      if (prompt === 'login') return loginPage(ctx, details);
      if (prompt === 'consent') return consentPage(ctx, details);
      return errorPage(ctx, 'invalid_request', `unsupported interaction '${prompt}'`, 400);
    }
    if (action === '/login' && prompt === 'login') return login(ctx, details);
    if (action === '/consent' && prompt === 'consent') return consent(ctx, details);
    // A form posted twice (back button): show what the interaction needs now.
    ctx.status = 303;
    ctx.redirect(`${prefix}/${uid}`);
  }
}
