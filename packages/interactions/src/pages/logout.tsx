import { Layout } from './layout.tsx';

/** What the sign-out confirmation page shows. */
export interface LogoutPageProps {
  productName: string;
  /** oidc-provider's end_session confirmation URL. */
  action: string;
  /** oidc-provider's anti-CSRF value for the form. */
  xsrf: string;
  /**
   * Submit at once (a valid `id_token_hint` named the client, so IdentityServer does not ask). Needs JavaScript;
   * without it the page is the same question with the same button.
   */
  autoSubmit: boolean;
}

/** Submits the sign-out form at once; static text, so the page's CSP allows it by hash. */
export const AUTO_SUBMIT_SCRIPT =
  "document.getElementById('logout-form').requestSubmit(document.querySelector('#logout-form button'));";

/**
 * Follows the "return to the application" link once every front-channel iframe has loaded (or after 3 s). Static
 * text: the URL is read from the link's href, never interpolated here; the page's CSP allows it by hash.
 */
export const AUTO_CONTINUE_SCRIPT =
  "(function(){var a=document.getElementById('continue');var f=document.querySelectorAll('iframe.frontchannel');" +
  'var n=f.length,d=false;function go(){if(!d){d=true;location.replace(a.href)}}' +
  'if(n===0)return go();f.forEach(function(x){x.addEventListener("load",function(){if(--n===0)go()})});' +
  'setTimeout(go,3000)})();';

/** "Do you want to sign out?" with one "Yes, sign out" button posting to oidc-provider's confirmation endpoint. */
export function LogoutPage({ productName, action, xsrf, autoSubmit }: LogoutPageProps) {
  return (
    <Layout title="Sign out" productName={productName}>
      <h1>Sign out</h1>
      <p>Would you like to sign out?</p>
      <form method="post" action={action} id="logout-form">
        <input type="hidden" name="xsrf" value={xsrf} />
        <div class="actions">
          <button type="submit" class="primary" name="logout" value="yes">
            Yes, sign out
          </button>
        </div>
      </form>
      {autoSubmit ? <script dangerouslySetInnerHTML={{ __html: AUTO_SUBMIT_SCRIPT }} /> : null}
    </Layout>
  );
}

/** One client to notify in the browser (OpenID Connect Front-Channel Logout 1.0). */
export interface FrontChannelTarget {
  clientName: string;
  /** The client's FrontChannelLogoutUri, with `iss` and `sid` when FrontChannelLogoutSessionRequired. */
  url: string;
}

/** What the signed-out page shows. */
export interface LoggedOutPageProps {
  productName: string;
  /** Where to go next (the client's post-logout redirect URI with `state`), if anywhere. */
  continueUrl?: string | undefined;
  clientName?: string | undefined;
  frontChannel: readonly FrontChannelTarget[];
}

/**
 * "You are now signed out", with one hidden iframe per client to notify, and a link back to the client. With
 * JavaScript the browser follows the link once every iframe has loaded (or after 3 s); without it the user clicks it.
 */
export function LoggedOutPage({ productName, continueUrl, clientName, frontChannel }: LoggedOutPageProps) {
  return (
    <Layout title="Signed out" productName={productName}>
      <h1>You are now signed out</h1>
      {continueUrl ? (
        <p>
          <a id="continue" href={continueUrl}>
            Return to {clientName ?? 'the application'}
          </a>
        </p>
      ) : (
        <p>You can close this window.</p>
      )}
      {frontChannel.map((target) => (
        <iframe
          key={target.url}
          class="frontchannel"
          src={target.url}
          title={`Signing out of ${target.clientName}`}
          aria-hidden="true"
          tabIndex={-1}
        />
      ))}
      {continueUrl ? <script dangerouslySetInnerHTML={{ __html: AUTO_CONTINUE_SCRIPT }} /> : null}
    </Layout>
  );
}
