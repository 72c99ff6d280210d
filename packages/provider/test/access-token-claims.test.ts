import {
  type ClientInput,
  defineApiResource,
  defineApiScope,
  IdentityResources,
  sha256,
  type User,
  type UserClaim,
  type UserStore,
} from '@idsrv/model';
import { createMemoryStore } from '@idsrv/store-memory';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_CLAIMS_MODEL } from '../src/access-token-claims.ts';
import { serveProvider } from './serve.ts';

const SECRET = [{ value: sha256('secret') }];

/** A user store whose one user's claims a test can change while the provider runs (as a real user database). */
function mutableUsers(initial: UserClaim[]) {
  let claims = initial;
  const user = (): User => ({ subjectId: 'alice-sub', username: 'alice', isActive: true, claims });
  const users: UserStore = {
    findBySubjectId: async (sub) => (sub === 'alice-sub' ? user() : undefined),
    findByUsername: async (name) => (name === 'alice' ? user() : undefined),
    validateCredentials: async (name, password) =>
      name === 'alice' && password === 'alice' ? user() : undefined,
  };
  return { users, setClaims: (next: UserClaim[]) => (claims = next) };
}

const ALICE_CLAIMS: UserClaim[] = [
  { type: 'email', value: 'alice@example.com' },
  { type: 'name', value: 'Alice Smith' },
  { type: 'role', value: 'admin' },
  { type: 'role', value: 'reader' },
  { type: 'department', value: 'finance' },
  // Protocol claims a user record must never put into a token.
  { type: 'client_id', value: 'forged' },
  { type: 'amr', value: 'forged' },
];

function client(clientId: string, extra: Partial<ClientInput> = {}): ClientInput {
  return {
    clientId,
    clientSecrets: SECRET,
    allowedGrantTypes: ['password'],
    allowedScopes: ['api1', 'api2', 'reports'],
    allowOfflineAccess: true,
    ...extra,
  };
}

async function start(clients: ClientInput[]) {
  const store = createMemoryStore({
    clients,
    identityResources: [IdentityResources.OpenId()],
    apiScopes: [
      // api1 names email; its API resource names role (and protocol claims, which are ignored).
      defineApiScope({ name: 'api1', userClaims: ['email'] }),
      // A scope without UserClaims, on a resource without them: adds nothing.
      defineApiScope({ name: 'api2' }),
      defineApiScope({ name: 'reports', userClaims: ['department'] }),
    ],
    apiResources: [
      defineApiResource({ name: 'api1', scopes: ['api1'], userClaims: ['role', 'client_id', 'amr'] }),
      defineApiResource({ name: 'api2', scopes: ['api2'] }),
      // A disabled API resource's UserClaims do not count (its scope's own do).
      defineApiResource({ name: 'reports', scopes: ['reports'], userClaims: ['name'], enabled: false }),
    ],
  });
  const alice = mutableUsers(ALICE_CLAIMS);
  const { issuer } = await serveProvider(store, { users: alice.users });
  const token = async (body: Record<string, string>, id: string) => {
    const response = await fetch(`${issuer}/connect/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${id}:secret`).toString('base64')}` },
      body: new URLSearchParams(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const password = (id: string, scope: string) =>
    token({ grant_type: 'password', username: 'alice', password: 'alice', scope }, id);
  const refresh = (id: string, refreshToken: string) =>
    token({ grant_type: 'refresh_token', refresh_token: refreshToken }, id);
  return { issuer, store, token, password, refresh, setClaims: alice.setClaims };
}

describe('user claims in access tokens', () => {
  it("access token - carries the user's claims of the API scope and its API resource, multi-valued as arrays", async () => {
    const { password } = await start([client('app')]);
    const issued = await password('app', 'api1');
    expect(issued.status).toBe(200);
    const claims = decodeJwt(String(issued.body.access_token));
    expect(claims.email).toBe('alice@example.com');
    expect(claims.role).toEqual(['admin', 'reader']);
    // Not named by api1 or its resource.
    expect(claims).not.toHaveProperty('name');
    expect(claims).not.toHaveProperty('department');
    // Protocol claims stay the token service's.
    expect(claims.client_id).toBe('app');
    expect(claims).not.toHaveProperty('amr');
    expect(claims.sub).toBe('alice-sub');
  });

  it('access token - a scope without UserClaims (and a disabled API resource) adds no user claim', async () => {
    const { password } = await start([client('app')]);
    const api2 = decodeJwt(String((await password('app', 'api2')).body.access_token));
    for (const type of ['email', 'role', 'name', 'department']) expect(api2).not.toHaveProperty(type);
    const reports = decodeJwt(String((await password('app', 'reports')).body.access_token));
    expect(reports.department).toBe('finance');
    expect(reports).not.toHaveProperty('name');
  });

  it('client_credentials - a token without a user carries no user claims', async () => {
    const { token } = await start([
      client('service', { allowedGrantTypes: ['client_credentials'], allowOfflineAccess: false }),
    ]);
    const issued = await token({ grant_type: 'client_credentials', scope: 'api1' }, 'service');
    expect(issued.status).toBe(200);
    const claims = decodeJwt(String(issued.body.access_token));
    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('role');
  });

  it('UpdateAccessTokenClaimsOnRefresh false - a refreshed token keeps the claims of the first issuance', async () => {
    const { password, refresh, setClaims } = await start([client('app')]);
    const first = await password('app', 'api1 offline_access');
    expect(first.status).toBe(200);
    setClaims([{ type: 'email', value: 'alice@new.example.com' }]);
    for (let i = 0; i < 2; i++) {
      const next = await refresh('app', String(first.body.refresh_token));
      expect(next.status).toBe(200);
      const claims = decodeJwt(String(next.body.access_token));
      expect(claims.email).toBe('alice@example.com');
      expect(claims.role).toEqual(['admin', 'reader']);
    }
  });

  it('UpdateAccessTokenClaimsOnRefresh true - a refreshed token has the claims the user has now', async () => {
    const { password, refresh, setClaims } = await start([
      client('app', { updateAccessTokenClaimsOnRefresh: true, refreshTokenUsage: 'OneTimeOnly' }),
    ]);
    const first = await password('app', 'api1 offline_access');
    expect(decodeJwt(String(first.body.access_token)).email).toBe('alice@example.com');
    setClaims([{ type: 'email', value: 'alice@new.example.com' }]);
    const next = await refresh('app', String(first.body.refresh_token));
    expect(next.status).toBe(200);
    const claims = decodeJwt(String(next.body.access_token));
    expect(claims.email).toBe('alice@new.example.com');
    expect(claims).not.toHaveProperty('role');
  });

  it('kept claims - are stored per grant (only the claims the token carries) and go when the grant is revoked', async () => {
    const { store, password, issuer } = await start([
      client('app'),
      client('no-refresh', { allowOfflineAccess: false }),
    ]);
    const kept = store.adapter(ACCESS_TOKEN_CLAIMS_MODEL);
    const first = await password('app', 'api1 offline_access');
    const grantId = await grantIdOf(store, String(first.body.refresh_token));
    expect((await kept.find(grantId))?.claims).toEqual({
      email: 'alice@example.com',
      role: ['admin', 'reader'],
    });
    // Revoking the refresh token revokes its grant, and with it the kept claims.
    const revoked = await fetch(`${issuer}/connect/revocation`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('app:secret').toString('base64')}` },
      body: new URLSearchParams({ token: String(first.body.refresh_token) }),
    });
    expect(revoked.status).toBe(200);
    await expect.poll(() => kept.find(grantId)).toBeUndefined();

    // A client without AllowOfflineAccess gets the claims all the same.
    const other = await password('no-refresh', 'api1');
    expect(decodeJwt(String(other.body.access_token)).email).toBe('alice@example.com');
  });
});

/** The grant id of a refresh token, read from its stored record (oidc-provider keys it by the token value). */
async function grantIdOf(store: ReturnType<typeof createMemoryStore>, refreshToken: string): Promise<string> {
  const record = await store.adapter('RefreshToken').find(refreshToken);
  expect(record?.grantId).toBeTypeOf('string');
  return String(record!.grantId);
}
