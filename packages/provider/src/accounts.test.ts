import { type ClientInput, defineClient, serializeClient, type User, type UserStore } from '@idsrv/model';
import { describe, expect, it } from 'vitest';
import { findAccountFromUsers, userClaims } from './accounts.ts';

const alice: User = {
  subjectId: '818727',
  username: 'alice',
  isActive: true,
  claims: [
    { type: 'name', value: 'Alice Smith' },
    { type: 'email_verified', value: 'true' },
    { type: 'role', value: 'admin' },
    { type: 'role', value: 'user' },
    { type: 'address', value: '{"country":"Germany"}' },
    { type: 'updated_at', value: '1700000000' },
  ],
};

const users = (...list: User[]): UserStore => ({
  findBySubjectId: async (sub) => list.find((u) => u.subjectId === sub),
  findByUsername: async (name) => list.find((u) => u.username === name),
  validateCredentials: async () => undefined,
});

/** What oidc-provider hands the hooks: a client whose adapter knows its idsrv definition. */
function ctxFor(client: Partial<ClientInput>, responseType?: string) {
  const settings = serializeClient(
    defineClient({
      clientId: 'web',
      allowedGrantTypes: ['authorization_code'],
      redirectUris: ['https://app/cb'],
      clientSecrets: [{ value: 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=' }],
      ...client,
    }),
  );
  const oidcClient = { clientId: 'web', constructor: { adapter: { settingsFor: () => settings } } };
  return {
    oidc: { client: oidcClient, params: responseType ? { response_type: responseType } : {} },
  } as never;
}

describe('userClaims', () => {
  it('repeated types become arrays; verified flags, updated_at and address get their JSON types', () => {
    expect(userClaims(alice)).toEqual({
      sub: '818727',
      name: 'Alice Smith',
      email_verified: true,
      role: ['admin', 'user'],
      address: { country: 'Germany' },
      updated_at: 1_700_000_000,
    });
  });

  it('a claim named sub cannot replace the subject id', () => {
    expect(userClaims({ ...alice, claims: [{ type: 'sub', value: 'someone-else' }] }).sub).toBe('818727');
  });
});

describe('findAccountFromUsers', () => {
  it('an unknown or inactive user has no account', async () => {
    const find = findAccountFromUsers(users(alice, { ...alice, subjectId: '2', isActive: false }));
    expect(await find(undefined, 'nobody')).toBeUndefined();
    expect(await find(undefined, '2')).toBeUndefined();
    expect((await find(undefined, '818727'))?.accountId).toBe('818727');
  });

  it('id_token - AlwaysIncludeUserClaimsInIdToken off: only sub and claims asked for with the claims parameter', async () => {
    const account = (await findAccountFromUsers(users(alice))(ctxFor({}), '818727'))!;
    expect(await account.claims('id_token', 'openid profile', {})).toEqual({ sub: '818727' });
    expect(await account.claims('id_token', 'openid', { name: null })).toEqual({
      sub: '818727',
      name: 'Alice Smith',
    });
    // userinfo always gets everything (oidc-provider keeps the granted scopes' claims).
    expect(await account.claims('userinfo', 'openid profile', {})).toMatchObject({ name: 'Alice Smith' });
  });

  it('id_token - AlwaysIncludeUserClaimsInIdToken on, or response_type=id_token: every claim', async () => {
    const always = (await findAccountFromUsers(users(alice))(
      ctxFor({ alwaysIncludeUserClaimsInIdToken: true }),
      '818727',
    ))!;
    expect(await always.claims('id_token', 'openid profile', {})).toMatchObject({ name: 'Alice Smith' });
    const implicit = (await findAccountFromUsers(users(alice))(ctxFor({}, 'id_token'), '818727'))!;
    expect(await implicit.claims('id_token', 'openid profile', {})).toMatchObject({ name: 'Alice Smith' });
  });
});
