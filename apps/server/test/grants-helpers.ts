import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, type CryptoKey as JoseKey, type JWK, SignJWT } from 'jose';

const GRANTS_CONFIG = fileURLToPath(new URL('./fixtures/grants.appsettings.json', import.meta.url));

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** alice's SubjectId in the grants fixture. */
export const ALICE = '818727';

/** A client's ES256 key pair: the private key stays in the test, the public JWK goes into the configuration. */
export interface ClientKey {
  privateKey: JoseKey;
  kid: string;
  publicJwk: JWK;
}

export async function clientKey(kid: string): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, kid, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } };
}

export type GrantKeys = Record<'jwt' | 'mixed' | 'expired' | 'current' | 'stranger', ClientKey>;

/**
 * Writes `fixtures/grants.appsettings.json` to a temporary folder with fresh keys in place of its `__…_KEY__`
 * placeholders, written as IdentityServer writes a JWK secret: the key's JSON as a string `Value`.
 */
export async function writeGrantsConfig(): Promise<{ file: string; keys: GrantKeys }> {
  const keys: GrantKeys = {
    jwt: await clientKey('jwt-1'),
    mixed: await clientKey('mixed-1'),
    expired: await clientKey('old-1'),
    current: await clientKey('new-1'),
    stranger: await clientKey('jwt-1'), // same kid as jwt.client's key, a different key
  };
  const asSecretValue = (key: ClientKey) => JSON.stringify(JSON.stringify(key.publicJwk));
  const text = readFileSync(GRANTS_CONFIG, 'utf8')
    .replace('"__JWT_CLIENT_KEY__"', asSecretValue(keys.jwt))
    .replace('"__MIXED_CLIENT_KEY__"', asSecretValue(keys.mixed))
    .replace('"__EXPIRED_KEY__"', asSecretValue(keys.expired))
    .replace('"__CURRENT_KEY__"', asSecretValue(keys.current));
  const file = join(mkdtempSync(join(tmpdir(), 'idsrv-grants-')), 'appsettings.json');
  writeFileSync(file, text);
  return { file, keys };
}

/** A client assertion (RFC 7523) for `audience`, signed with `key`; `claims` replace the defaults. */
export async function clientAssertion(
  clientId: string,
  key: ClientKey,
  audience: string,
  claims: Record<string, unknown> = {},
): Promise<string> {
  const payload = { iss: clientId, sub: clientId, aud: audience, jti: randomUUID(), ...claims };
  const jwt = new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: key.kid }).setIssuedAt();
  if (!('exp' in claims)) jwt.setExpirationTime('2m');
  return jwt.sign(key.privateKey);
}
