import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderPage } from './pages/layout.tsx';
import { AUTO_CONTINUE_SCRIPT, AUTO_SUBMIT_SCRIPT, LoggedOutPage, LogoutPage } from './pages/logout.tsx';
import { contentSecurityPolicy } from './security-headers.ts';

/** The inline scripts of a rendered page, as the browser hashes them (the text between the tags). */
const inlineScripts = (html: string) => [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('page security headers', () => {
  it('CSP - a page with no needs allows no script, no frame, and cannot be framed', () => {
    const csp = contentSecurityPolicy();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(csp).not.toContain('frame-src');
  });

  it('CSP - the scripts the logout pages render are exactly the ones their policy allows by hash', () => {
    const signOut = renderPage(<LogoutPage productName="idsrv" action="/x" xsrf="y" autoSubmit />);
    const signedOut = renderPage(
      <LoggedOutPage
        productName="idsrv"
        continueUrl="https://app.example.com/"
        frontChannel={[{ clientName: 'app', url: 'https://app.example.com/signout?sid=1' }]}
      />,
    );
    const rendered = [...inlineScripts(signOut), ...inlineScripts(signedOut)];
    expect(rendered).toEqual([AUTO_SUBMIT_SCRIPT, AUTO_CONTINUE_SCRIPT]);
    const csp = contentSecurityPolicy({ scripts: [AUTO_SUBMIT_SCRIPT, AUTO_CONTINUE_SCRIPT] });
    for (const script of rendered) expect(csp).toContain(sha256(script));
  });

  it('CSP - a signed-out page may frame the client logout origins it names, and nothing else', () => {
    const csp = contentSecurityPolicy({
      frameOrigins: ['https://app.example.com', 'https://app.example.com', 'http://localhost:21402'],
    });
    expect(csp).toContain('frame-src https://app.example.com http://localhost:21402');
    expect(csp).toContain("frame-ancestors 'none'");
  });
});
