import { describe, expect, it } from 'vitest';
import { ConsentPage } from './consent.tsx';
import { ErrorPage } from './error.tsx';
import { renderPage } from './layout.tsx';
import { LoginPage } from './login.tsx';
import { LoggedOutPage } from './logout.tsx';

const EVIL = '<script>alert(1)</script>"\'&';

describe('pages', () => {
  it('login - labelled username and password inputs, a "Sign in" button, and the error announced', () => {
    const html = renderPage(
      <LoginPage productName="idsrv" action="/interaction/abc/login" error="Invalid username or password." />,
    );
    expect(html.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true);
    expect(html).toContain('<label for="username">Username</label>');
    expect(html).toMatch(/<input id="username" name="username" type="text" autocomplete="username"/);
    expect(html).toMatch(
      /<input id="password" name="password" type="password" autocomplete="current-password"/,
    );
    expect(html).toMatch(/<button[^>]*>Sign in<\/button>/);
    expect(html).toContain('role="alert"');
    expect(html).toContain('aria-describedby="login-error"');
    expect(html).toContain('action="/interaction/abc/login"');
  });

  it('every text and attribute that comes from a request or a configuration is escaped', () => {
    const html = [
      renderPage(
        <LoginPage productName="idsrv" action="/x" clientName={EVIL} username={EVIL} error={EVIL} />,
      ),
      renderPage(
        <ConsentPage
          productName="idsrv"
          action="/x"
          clientName={EVIL}
          clientUri={EVIL}
          identityScopes={[
            { name: EVIL, displayName: EVIL, description: EVIL, required: false, emphasize: true },
          ]}
          apiScopes={[]}
          allowRemember
        />,
      ),
      renderPage(<ErrorPage productName="idsrv" error={EVIL} description={EVIL} />),
      renderPage(
        <LoggedOutPage
          productName="idsrv"
          continueUrl={EVIL}
          frontChannel={[{ clientName: EVIL, url: EVIL }]}
        />,
      ),
    ].join('');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('"\'&');
    expect(html).toContain('&lt;script>alert(1)&lt;/script>');
  });

  it('consent - scopes by display name, a required scope posted through a hidden input, Allow and Deny', () => {
    const html = renderPage(
      <ConsentPage
        productName="idsrv"
        action="/interaction/abc/consent"
        clientName="Web App"
        identityScopes={[
          { name: 'openid', displayName: 'Your user identifier', required: true, emphasize: false },
          { name: 'profile', displayName: 'User profile', required: false, emphasize: true },
        ]}
        apiScopes={[{ name: 'api1', displayName: 'API 1', required: false, emphasize: false }]}
        allowRemember={false}
      />,
    );
    expect(html).toContain('<input type="hidden" name="scope" value="openid"/>');
    expect(html).toMatch(/<input id="scope-openid" type="checkbox" value="openid" checked disabled/);
    expect(html).toMatch(/<input id="scope-profile" type="checkbox" name="scope" value="profile" checked/);
    expect(html).toContain('<strong>User profile</strong>');
    expect(html).toContain('API 1');
    expect(html).toMatch(/<button[^>]*value="allow"[^>]*>Allow<\/button>/);
    expect(html).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/);
    // AllowRememberConsent: false offers no "Remember my decision".
    expect(html).not.toContain('Remember my decision');
  });

  it('logged out - one hidden, titled iframe per front-channel client', () => {
    const html = renderPage(
      <LoggedOutPage
        productName="idsrv"
        continueUrl="https://app.example/"
        clientName="App"
        frontChannel={[
          { clientName: 'A', url: 'https://a.example/signout?iss=x&sid=1' },
          { clientName: 'B', url: 'https://b.example/signout' },
        ]}
      />,
    );
    expect(html.match(/<iframe /g)).toHaveLength(2);
    expect(html).toContain('src="https://a.example/signout?iss=x&amp;sid=1"');
    expect(html).toContain('title="Signing out of A"');
    expect(html).toContain('<a id="continue" href="https://app.example/">Return to App</a>');
  });
});
