import type { OidcAdapter, OidcAdapterFactory } from '@idsrv/model';
import { errors } from 'oidc-provider';

/** Models bound to a grant, revoked together when a code or refresh token is redeemed twice. */
const GRANT_BOUND_MODELS = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
] as const;

const errorCode = (error: unknown) => (error as { code?: unknown } | null)?.code;

/**
 * Wraps a store's adapter factory so that losing a race to consume (two concurrent redemptions of one code or refresh
 * token: the store lets exactly one win) becomes `invalid_grant` for the loser, and the grant is revoked, as
 * oidc-provider does when it sees a consumed record. A redemption whose record was removed after oidc-provider found it
 * (`RecordGoneError`: another loser revoked the grant meanwhile) is `invalid_grant` too. Adapters are created once per
 * model name.
 */
export function guardConsume(factory: OidcAdapterFactory): OidcAdapterFactory {
  const adapters = new Map<string, OidcAdapter>();
  const adapterOf = (name: string) => {
    let adapter = adapters.get(name);
    if (!adapter) {
      adapter = factory(name);
      adapters.set(name, adapter);
    }
    return adapter;
  };
  return (name) => {
    const adapter = adapterOf(name);
    return {
      ...bindAll(adapter),
      async consume(id) {
        try {
          await adapter.consume(id);
        } catch (error) {
          // Gone: removed since oidc-provider found it (a concurrent redemption revoked the grant, or it expired).
          // Nothing is left to revoke; the redemption fails like any other of an unknown code.
          if (errorCode(error) === 'ERR_RECORD_GONE')
            throw new errors.InvalidGrant('grant request is invalid');
          if (errorCode(error) !== 'ERR_ALREADY_CONSUMED') throw error;
          const grantId = (await adapter.find(id))?.grantId;
          if (grantId) {
            await Promise.all([
              ...GRANT_BOUND_MODELS.map((model) => adapterOf(model).revokeByGrantId(grantId)),
              adapterOf('Grant').destroy(grantId),
            ]);
          }
          throw new errors.InvalidGrant('grant request is invalid');
        }
      },
    };
  };
}

function bindAll(adapter: OidcAdapter): OidcAdapter {
  return {
    upsert: adapter.upsert.bind(adapter),
    // An adapter written for oidc-provider alone may lack `insert`; replay detection then falls back (see
    // client-assertions.ts) rather than failing here.
    insert: typeof adapter.insert === 'function' ? adapter.insert.bind(adapter) : (undefined as never),
    find: adapter.find.bind(adapter),
    findByUid: adapter.findByUid.bind(adapter),
    findByUserCode: adapter.findByUserCode.bind(adapter),
    consume: adapter.consume.bind(adapter),
    destroy: adapter.destroy.bind(adapter),
    revokeByGrantId: adapter.revokeByGrantId.bind(adapter),
  };
}
