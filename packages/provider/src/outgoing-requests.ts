/** Hostnames that are this machine, whatever they resolve to. */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * oidc-provider's `fetch` (used for back-channel logout, `jwks_uri`, `request_uri` …) with its SSRF protection lifted
 * for loopback URLs only. oidc-provider refuses every connection to a special-use address, which is right for clients
 * that register themselves, but idsrv's clients are written by the administrator, and a development setup's
 * back-channel logout URI is `http://localhost:…`. Every other URL keeps oidc-provider's protected dispatcher.
 */
export function loopbackFriendlyFetch(url: URL | string, options: RequestInit & { dispatcher?: unknown }) {
  const { hostname } = new URL(url);
  if (LOOPBACK.test(hostname)) {
    const { dispatcher: _protected, ...rest } = options;
    return globalThis.fetch(url, rest);
  }
  return globalThis.fetch(url, options as RequestInit);
}
