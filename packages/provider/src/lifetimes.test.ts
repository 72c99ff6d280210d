import { type ClientInput, defineClient, serializeClient } from '@idsrv/model';
import { describe, expect, it } from 'vitest';
import { grantTtl, refreshTokenTtl } from './lifetimes.ts';

function client(overrides: Partial<ClientInput>) {
  const settings = serializeClient(
    defineClient({
      clientId: 'web',
      allowedGrantTypes: ['authorization_code'],
      redirectUris: ['https://app/cb'],
      clientSecrets: [{ value: 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=' }],
      ...overrides,
    }),
  );
  return { clientId: 'web', constructor: { adapter: { settingsFor: () => settings } } };
}
const now = () => Math.floor(Date.now() / 1000);
const ctxWithGrantStartedAgo = (seconds: number) =>
  ({ oidc: { entities: { Grant: { iat: now() - seconds } } } }) as never;

describe('lifetimes', () => {
  it('grantTtl - a client with refresh tokens keeps its grant as long as they can live; others 14 days', () => {
    const fourteenDays = 14 * 24 * 3600;
    expect(grantTtl(undefined, undefined, client({}))).toBe(fourteenDays);
    expect(grantTtl(undefined, undefined, client({ allowOfflineAccess: true }))).toBe(2_592_000);
    expect(
      grantTtl(
        undefined,
        undefined,
        client({
          allowOfflineAccess: true,
          refreshTokenExpiration: 'Sliding',
          absoluteRefreshTokenLifetime: 0,
        }),
      ),
    ).toBe(10 * 365 * 24 * 3600);
    // oidc-provider creates grants without a client: the request's client counts.
    expect(grantTtl({ oidc: { client: client({ allowOfflineAccess: true }) } } as never, undefined)).toBe(
      2_592_000,
    );
    expect(grantTtl(undefined, undefined)).toBe(fourteenDays);
  });

  it('refreshTokenTtl - Sliding never passes the absolute lifetime counted from the grant', () => {
    const sliding = client({
      allowOfflineAccess: true,
      refreshTokenExpiration: 'Sliding',
      slidingRefreshTokenLifetime: 600,
      absoluteRefreshTokenLifetime: 3600,
    });
    expect(refreshTokenTtl(ctxWithGrantStartedAgo(0), undefined, sliding)).toBe(600);
    expect(refreshTokenTtl(ctxWithGrantStartedAgo(3300), undefined, sliding)).toBe(300);
    const absolute = client({ allowOfflineAccess: true, absoluteRefreshTokenLifetime: 3600 });
    expect(refreshTokenTtl(ctxWithGrantStartedAgo(600), undefined, absolute)).toBe(3000);
  });
});
