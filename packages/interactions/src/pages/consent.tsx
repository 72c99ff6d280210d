import { Layout } from './layout.tsx';

/** One requested scope as the consent page lists it. */
export interface ConsentScope {
  name: string;
  displayName: string;
  description?: string | undefined;
  /** Cannot be unticked (IdentityServer's `Required`; `openid` always). */
  required: boolean;
  /** Shown in bold (IdentityServer's `Emphasize`). */
  emphasize: boolean;
}

/** What the consent page shows. */
export interface ConsentPageProps {
  productName: string;
  action: string;
  clientName: string;
  clientUri?: string | undefined;
  /** Identity scopes: claims about the user. */
  identityScopes: readonly ConsentScope[];
  /** API scopes and `offline_access`. */
  apiScopes: readonly ConsentScope[];
  /** Offer "Remember my decision" (the client's AllowRememberConsent). */
  allowRemember: boolean;
}

function ScopeList({ legend, scopes }: { legend: string; scopes: readonly ConsentScope[] }) {
  if (scopes.length === 0) return null;
  return (
    <fieldset>
      <legend>{legend}</legend>
      {scopes.map((scope) => {
        const id = `scope-${scope.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
        return (
          <label class="scope" for={id} key={scope.name}>
            {/* A disabled checkbox is not submitted: a required scope travels in a hidden input. */}
            {scope.required ? <input type="hidden" name="scope" value={scope.name} /> : null}
            <input
              id={id}
              type="checkbox"
              name={scope.required ? undefined : 'scope'}
              value={scope.name}
              checked
              disabled={scope.required}
            />
            <span>
              {scope.emphasize ? <strong>{scope.displayName}</strong> : scope.displayName}
              {scope.required ? <span class="muted"> (required)</span> : null}
              {scope.description ? <small>{scope.description}</small> : null}
            </span>
          </label>
        );
      })}
    </fieldset>
  );
}

/**
 * The consent form: who asks, the identity and API scopes with their display names (optional ones can be unticked),
 * "Remember my decision" when the client allows it, and "Allow" / "Deny" buttons. Works without JavaScript.
 */
export function ConsentPage(props: ConsentPageProps) {
  return (
    <Layout title="Allow access" productName={props.productName}>
      <h1>{props.clientName} is requesting your permission</h1>
      {props.clientUri ? (
        <p>
          <a href={props.clientUri}>{props.clientUri}</a>
        </p>
      ) : null}
      <p>Uncheck the permissions you do not wish to grant.</p>
      <form method="post" action={props.action}>
        <ScopeList legend="Personal information" scopes={props.identityScopes} />
        <ScopeList legend="Application access" scopes={props.apiScopes} />
        {props.allowRemember ? (
          <label class="remember" for="remember">
            <input id="remember" type="checkbox" name="remember" value="yes" />
            Remember my decision
          </label>
        ) : null}
        <div class="actions">
          <button type="submit" class="primary" name="decision" value="allow">
            Allow
          </button>
          <button type="submit" class="secondary" name="decision" value="deny">
            Deny
          </button>
        </div>
      </form>
    </Layout>
  );
}
