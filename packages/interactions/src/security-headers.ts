import { createHash } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { AUTO_CONTINUE_SCRIPT, AUTO_SUBMIT_SCRIPT } from './pages/logout.tsx';

/** What a page needs beyond "nothing": its inline scripts and the origins it frames. */
export interface PageNeeds {
  /** Inline scripts the page carries, allowed by their SHA-256 hash (static text only). */
  scripts?: readonly string[];
  /** Origins the page loads in iframes (front-channel logout). */
  frameOrigins?: readonly string[];
}

const hashSource = (script: string) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
// The scripts are static, so their hashes are computed once.
const KNOWN_HASHES = new Map([AUTO_SUBMIT_SCRIPT, AUTO_CONTINUE_SCRIPT].map((s) => [s, hashSource(s)]));

/**
 * The Content-Security-Policy of a page: nothing but its own inline styles, the scripts it names (by hash, so no
 * injected script runs even if escaping failed) and the frames it names. Every page forbids being framed
 * (`frame-ancestors 'none'`: clickjacking on "Allow" or "Sign in"); only the client logout URLs a signed-out page
 * embeds are framed, and those are the clients' pages, not ours.
 */
export function contentSecurityPolicy(needs: PageNeeds = {}): string {
  const directives = [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ];
  if (needs.scripts?.length) {
    directives.push(`script-src ${needs.scripts.map((s) => KNOWN_HASHES.get(s) ?? hashSource(s)).join(' ')}`);
  }
  if (needs.frameOrigins?.length) directives.push(`frame-src ${[...new Set(needs.frameOrigins)].join(' ')}`);
  return directives.join('; ');
}

/**
 * Sets the headers every HTML page of idsrv carries: no caching (the pages hold anti-CSRF values and user data), the
 * CSP above, the legacy X-Frame-Options for browsers without `frame-ancestors`, no MIME sniffing and no referrer (a
 * login page's URL holds the interaction uid).
 */
export function setPageHeaders(ctx: KoaContextWithOIDC, needs: PageNeeds = {}): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Security-Policy', contentSecurityPolicy(needs));
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
}

/**
 * Answers with an HTML page: `status` when given (else the status already set, e.g. by oidc-provider), the page
 * headers of {@link setPageHeaders}, and `body`.
 */
export function sendPage(
  ctx: KoaContextWithOIDC,
  body: string,
  status?: number,
  needs: PageNeeds = {},
): void {
  if (status !== undefined) ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  setPageHeaders(ctx, needs);
  ctx.body = body;
}
