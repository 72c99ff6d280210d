import { createHash, randomBytes } from 'node:crypto';

/** One response, read once: status, the redirect target (absolute), headers and body text. */
export interface PageResponse {
  status: number;
  location: string | undefined;
  headers: Headers;
  body: string;
}

/**
 * A browser without JavaScript, for end-to-end tests that need no rendering: `fetch` with a cookie jar and manual
 * redirects. Cookies are kept by name (one issuer per session), as the login pages set them.
 */
export function httpSession() {
  const jar = new Map<string, string>();
  const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

  async function request(
    url: string,
    form?: URLSearchParams,
    headers: Record<string, string> = {},
  ): Promise<PageResponse> {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...(jar.size ? { cookie: cookies() } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      ...(form ? { body: form } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value.join('=') === '') jar.delete(name!.trim());
      else jar.set(name!.trim(), value.join('='));
    }
    const location = response.headers.get('location');
    return {
      status: response.status,
      location: location ? new URL(location, url).href : undefined,
      headers: response.headers,
      body: await response.text(),
    };
  }

  /**
   * Follows the authorization flow from `authorizeUrl` through the login page (signing in as `user`) and, if shown,
   * the consent page (allowing every offered scope) until a redirect leaves `issuer`; resolves with that redirect.
   */
  async function authorize(
    issuer: string,
    authorizeUrl: string,
    user: { username: string; password: string },
  ): Promise<URL> {
    let response = await request(authorizeUrl);
    for (let step = 0; step < 12; step++) {
      if (response.location) {
        if (!response.location.startsWith(`${issuer}/`)) return new URL(response.location);
        response = await request(response.location);
        continue;
      }
      const action = /<form[^>]*method="post"[^>]*action="([^"]+)"/.exec(response.body)?.[1];
      if (response.status !== 200 || !action) {
        throw new Error(`the flow stopped at ${response.status}: ${response.body.slice(0, 300)}`);
      }
      const target = new URL(action.replaceAll('&amp;', '&'), issuer).href;
      if (response.body.includes('name="password"')) {
        response = await request(target, new URLSearchParams({ ...user, action: 'login' }));
      } else if (response.body.includes('name="decision"')) {
        const scopes = [...response.body.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1]!);
        const form: [string, string][] = [
          ...scopes.map((s): [string, string] => ['scope', s]),
          ['decision', 'allow'],
        ];
        response = await request(target, new URLSearchParams(form));
      } else {
        throw new Error(`unexpected page: ${response.body.slice(0, 300)}`);
      }
    }
    throw new Error('the flow did not end within 12 steps');
  }

  return { request, authorize, cookies: jar };
}

/** A PKCE pair (RFC 7636, S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
