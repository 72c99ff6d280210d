import type { SerializedClient, VerifiableSecret } from '@idsrv/model';

/** What the bridge's `Client` adapter offers besides oidc-provider's adapter methods. */
export interface ClientSettingsSource {
  /** The definition of the client as of its latest lookup, or `undefined` if it was never found (or is gone). */
  settingsFor(clientId: string): SerializedClient | undefined;
}

/**
 * The idsrv definition of an oidc-provider client instance. Every hook reads the client's settings from here, so the
 * store stays the single source of truth.
 *
 * The definitions are not carried in the client's metadata: oidc-provider hashes the whole metadata of adapter-loaded
 * clients on every lookup, and the full definition made that the largest cost on the token endpoint. Instead the
 * bridge's `Client` adapter (reachable from the instance as `client.constructor.adapter`, one per Provider) keeps the
 * definition it last read for each client id; oidc-provider looks the client up at the start of every request, so
 * this is the definition of the request's client.
 */
export function clientSettings(client: unknown): SerializedClient {
  const instance = client as { clientId: string; constructor: { adapter?: unknown } };
  const clientId = instance.clientId;
  const source = instance.constructor?.adapter as Partial<ClientSettingsSource> | undefined;
  const settings = source?.settingsFor?.(clientId);
  if (!settings) throw new TypeError(`client '${clientId}' was not loaded through the idsrv client adapter`);
  return settings;
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
