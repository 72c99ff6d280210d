// uses: @idsrv/interactions, @idsrv/provider, @idsrv/users, @idsrv/store-memory, @idsrv/model
// The interactions README's "Use": login pages on the provider bridge with test users. An authorization code flow
// with PKCE goes through the login page as a browser would (cookies, redirects, the form post) and the code is
// exchanged for tokens.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInteractions } from '@idsrv/interactions';
import { defineClient, GrantTypes, IdentityResources, sha256 } from '@idsrv/model';
import { createIdsrvProvider, loadOrCreateDevelopmentKeys } from '@idsrv/provider';
import { createMemoryStore } from '@idsrv/store-memory';
import { createTestUserStore } from '@idsrv/users';

const redirectUri = 'http://localhost:21402/signin-oidc';
const store = createMemoryStore({
  clients: [
    defineClient({
      clientId: 'interactive',
      clientSecrets: [{ value: sha256('secret') }],
      allowedGrantTypes: GrantTypes.Code,
      redirectUris: [redirectUri],
      allowedScopes: ['openid', 'profile'],
    }),
  ],
  identityResources: [IdentityResources.OpenId(), IdentityResources.Profile()],
});
const users = createTestUserStore([
  {
    subjectId: '818727',
    username: 'alice',
    password: 'alice',
    claims: [{ type: 'name', value: 'Alice Smith' }],
  },
]);
const interactions = createInteractions({ users, resources: store.resources, adapter: store.adapter });

const server = createServer();
server.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const keys = await loadOrCreateDevelopmentKeys('.idsrv/interactions-key.jwk.json');
const provider = await createIdsrvProvider({
  issuer,
  clients: store.clients,
  resources: store.resources,
  adapter: store.adapter,
  jwks: { keys: keys.keys },
  cookieKeys: keys.cookieKeys,
  users,
  configuration: interactions.configuration,
});
interactions.mount(provider);
server.on('request', provider.callback());

// A browser, reduced to what the flow needs: a cookie jar and manual redirects.
const jar = new Map<string, string>();
async function browse(url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(new URL(url, issuer), {
    ...init,
    redirect: 'manual',
    headers: {
      ...(init.headers as Record<string, string>),
      cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    },
  });
  for (const cookie of response.headers.getSetCookie()) {
    const [pair = ''] = cookie.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return response;
}

try {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = new URL('/connect/authorize', issuer);
  authorize.search = new URLSearchParams({
    client_id: 'interactive',
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid profile',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'xyz',
  }).toString();

  let response = await browse(authorize.href);
  assert.equal(response.status, 303, await response.clone().text());
  const loginUrl = response.headers.get('location') ?? '';
  response = await browse(loginUrl);
  assert.equal(response.status, 200);
  const page = await response.text();
  assert.match(page, /Sign in/, 'the login page renders');

  response = await browse(`${loginUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'alice', password: 'alice', action: 'login' }).toString(),
  });
  // Follow the provider's redirects until it sends the browser back to the client with a code.
  for (let hops = 0; hops < 10; hops++) {
    const location = response.headers.get('location');
    assert.ok(
      response.status >= 300 && response.status < 400 && location,
      `redirect expected, got ${response.status}`,
    );
    if (location.startsWith(redirectUri)) break;
    response = await browse(location);
  }
  const callback = new URL(response.headers.get('location') ?? '');
  assert.equal(callback.searchParams.get('state'), 'xyz');
  const code = callback.searchParams.get('code');
  assert.ok(code, `a code in ${callback.href}`);

  const token = await fetch(`${issuer}/connect/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('interactive:secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  assert.equal(token.status, 200, await token.clone().text());
  const { id_token: idToken } = (await token.json()) as { id_token: string };
  const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
  assert.equal(claims.sub, '818727');
  console.log(
    'ok: interactions: signed in as alice on the login page and exchanged the code for an ID token',
  );
} finally {
  await new Promise((resolve) => server.close(resolve));
  await store.dispose();
}
