import { type Client, IdsrvError } from '@idsrv/model';

interface KeySet {
  keys: readonly { alg?: string | undefined; key_ops?: readonly string[] | undefined }[];
}

/**
 * The JWS algorithms the server can sign with: the `alg` of each of its keys, in key order. A key published for
 * verification only (`key_ops: ["verify"]`, a key ring's pending or retired key) signs nothing and does not count.
 */
export function keyAlgorithms(jwks: KeySet): string[] {
  const signing = jwks.keys.filter((k) => !k.key_ops || k.key_ops.includes('sign'));
  return [...new Set(signing.map((k) => k.alg).filter((alg): alg is string => typeof alg === 'string'))];
}

/**
 * IdentityServer's `AllowedIdentityTokenSigningAlgorithms`: the client's id_tokens are signed with the first of its
 * allowed algorithms the server has a key for; an empty list means the server's signing key (`undefined` here).
 *
 * @throws {IdsrvError} `ERR_CONFIG_INVALID` when the server has a key for none of them.
 */
export function idTokenSigningAlgorithm(
  client: Pick<Client, 'clientId' | 'allowedIdentityTokenSigningAlgorithms'>,
  serverAlgorithms: readonly string[],
): string | undefined {
  const allowed = client.allowedIdentityTokenSigningAlgorithms;
  if (allowed.length === 0) return undefined;
  const alg = allowed.find((a) => serverAlgorithms.includes(a));
  if (alg === undefined)
    throw new IdsrvError('ERR_CONFIG_INVALID', mismatchMessage(client, serverAlgorithms));
  return alg;
}

/**
 * Checks, before serving, that the server has a signing key for every client that restricts its identity-token
 * algorithms — so a key/client mismatch stops the server at startup with every offending client named, instead of
 * failing the client's first sign-in.
 *
 * @throws {IdsrvError} `ERR_CONFIG_INVALID` listing each client the server's keys cannot sign id_tokens for.
 * @example
 * checkIdTokenSigningAlgorithms(definitions.clients, jwks); // throws if a client allows only RS256 and the keys are ES256
 */
export function checkIdTokenSigningAlgorithms(
  clients: readonly Pick<Client, 'clientId' | 'allowedIdentityTokenSigningAlgorithms'>[],
  jwks: KeySet,
): void {
  const available = keyAlgorithms(jwks);
  const problems = clients
    .filter(
      (c) =>
        c.allowedIdentityTokenSigningAlgorithms.length > 0 &&
        !c.allowedIdentityTokenSigningAlgorithms.some((a) => available.includes(a)),
    )
    .map((c) => `  - ${mismatchMessage(c, available)}`);
  if (problems.length > 0) {
    throw new IdsrvError(
      'ERR_CONFIG_INVALID',
      `AllowedIdentityTokenSigningAlgorithms cannot be honoured with the server's signing keys:\n${problems.join('\n')}`,
    );
  }
}

function mismatchMessage(
  client: Pick<Client, 'clientId' | 'allowedIdentityTokenSigningAlgorithms'>,
  available: readonly string[],
): string {
  return `client '${client.clientId}' allows identity tokens signed with ${client.allowedIdentityTokenSigningAlgorithms.join(', ')} only, but the server's signing keys are ${available.join(', ') || '(none)'}; add a key of one of those algorithms or change the client's AllowedIdentityTokenSigningAlgorithms`;
}
