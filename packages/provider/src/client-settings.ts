import { IDSRV_METADATA_PROPERTY, type SerializedClient, type VerifiableSecret } from '@idsrv/model';

/**
 * The idsrv definition carried by an oidc-provider client (see `toProviderClientMetadata`). Every hook reads the
 * client's settings from here, so the store stays the single source of truth.
 */
export function clientSettings(client: unknown): SerializedClient {
  const settings = (client as Record<string, unknown> | undefined)?.[IDSRV_METADATA_PROPERTY];
  if (!settings) throw new TypeError('not an idsrv client: its metadata carries no idsrv definition');
  return settings as SerializedClient;
}

const secretCache = new WeakMap<SerializedClient, VerifiableSecret[]>();

/** The client's secrets in the form `verifyHashedSecret` takes (parsed once per client definition). */
export function verifiableSecrets(settings: SerializedClient): VerifiableSecret[] {
  let secrets = secretCache.get(settings);
  if (!secrets) {
    secrets = settings.clientSecrets.map((s) => ({
      value: s.value,
      type: s.type,
      expiration: s.expiration === undefined ? undefined : new Date(s.expiration),
    }));
    secretCache.set(settings, secrets);
  }
  return secrets;
}
