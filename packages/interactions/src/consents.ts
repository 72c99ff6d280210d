import type { OidcAdapterFactory } from '@idsrv/model';

/** The adapter model name under which remembered consents are stored. */
export const CONSENT_MODEL = 'IdsrvConsent';

/** A remembered consent (IdentityServer's persisted `user_consent` grant). */
export interface RememberedConsent {
  clientId: string;
  subjectId: string;
  /** The scopes the user allowed. */
  scopes: string[];
}

/** Remembered consents, kept through the same store as oidc-provider's models (memory, Redis…). */
export interface ConsentStore {
  find(clientId: string, subjectId: string): Promise<RememberedConsent | undefined>;
  /** Remembers the decision for `lifetime` seconds (`undefined`: until revoked), replacing an earlier one. */
  remember(consent: RememberedConsent, lifetime: number | undefined): Promise<void>;
  forget(clientId: string, subjectId: string): Promise<void>;
}

// A user's consent for a client is one record; the key is unambiguous because client ids cannot contain a newline
// (the model forbids whitespace in ids) and subject ids are appended last.
const consentKey = (clientId: string, subjectId: string) => `${clientId}\n${subjectId}`;

/** A {@link ConsentStore} over an oidc-provider adapter factory (`store.adapter`). */
export function createConsentStore(adapter: OidcAdapterFactory): ConsentStore {
  const records = adapter(CONSENT_MODEL);
  return {
    async find(clientId, subjectId) {
      const record = await records.find(consentKey(clientId, subjectId));
      if (!record || !Array.isArray(record.scopes)) return undefined;
      return { clientId, subjectId, scopes: record.scopes.map(String) };
    },
    async remember(consent, lifetime) {
      await records.upsert(
        consentKey(consent.clientId, consent.subjectId),
        { clientId: consent.clientId, subjectId: consent.subjectId, scopes: [...consent.scopes] },
        lifetime,
      );
    },
    async forget(clientId, subjectId) {
      await records.destroy(consentKey(clientId, subjectId));
    },
  };
}
