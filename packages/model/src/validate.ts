import type { Client } from './client.ts';
import { UNSUPPORTED_PROPERTY_MESSAGES } from './client-support.ts';
import { ModelValidationError, type ValidationIssue } from './errors.ts';
import { parseLeniently } from './lenient-parse.ts';
import {
  type ApiResource,
  type ApiResourceInput,
  type ApiScope,
  type ApiScopeInput,
  apiResourceSchema,
  apiScopeSchema,
  type IdentityResource,
  type IdentityResourceInput,
  identityResourceSchema,
  type Resources,
} from './resources.ts';
import { isHashedSecret, SecretTypes } from './secrets.ts';
import { SECRET_NOT_HASHED_MESSAGE, validateClientDefinition } from './validate-client.ts';

/** A whole set of definitions, as a client store and a resource store would hold them. */
export interface DefinitionsInput {
  clients?: unknown[];
  identityResources?: unknown[];
  apiScopes?: unknown[];
  apiResources?: unknown[];
}

/** Validated definitions with every default applied. */
export interface Definitions extends Resources {
  clients: Client[];
}

/** The outcome of {@link validateDefinitions}: `definitions` is set only when there is no issue. */
export interface DefinitionsValidationResult {
  definitions: Definitions | undefined;
  issues: ValidationIssue[];
}

export interface ValidateDefinitionsOptions {
  /** Prefixed to every issue path, e.g. `['IdentityServer']`. */
  path?: (string | number)[];
  /**
   * Check every client's `allowedScopes` against the identity resources and API scopes.
   * @default true when any resource is given
   */
  checkScopes?: boolean;
}

/**
 * Validates clients and resources together, reporting every problem at once: each client's rules, duplicate client
 * ids and resource names, identity resources and API scopes sharing a name, API resources naming an unknown scope,
 * and (when resources are given) clients allowed a scope nobody defines.
 */
export function validateDefinitions(
  input: DefinitionsInput,
  options: ValidateDefinitionsOptions = {},
): DefinitionsValidationResult {
  const base = options.path ?? [];
  const issues: ValidationIssue[] = [];

  const parseAll = <T>(key: keyof DefinitionsInput, shape: Parameters<typeof parseLeniently>[0]) =>
    (input[key] ?? []).map((item, i) => {
      const result = parseLeniently<T>(shape, item, [...base, key, i]);
      issues.push(...result.issues);
      return result;
    });

  const identityResources = parseAll<IdentityResource>('identityResources', identityResourceSchema.shape);
  const apiScopes = parseAll<ApiScope>('apiScopes', apiScopeSchema.shape);
  const apiResources = parseAll<ApiResource>('apiResources', apiResourceSchema.shape);

  identityResources.forEach(({ value, broken }, i) => {
    if (!broken.has('userClaims') && value.userClaims.length === 0) {
      issues.push({
        path: [...base, 'identityResources', i, 'userClaims'],
        rule: 'identity-resource-claims',
        message: `identity resource '${value.name}' needs at least one user claim`,
      });
    }
  });
  reportDuplicates(
    identityResources.map((r) => r.value.name),
    [...base, 'identityResources'],
    'name',
    issues,
  );
  reportDuplicates(
    apiScopes.map((r) => r.value.name),
    [...base, 'apiScopes'],
    'name',
    issues,
  );
  reportDuplicates(
    apiResources.map((r) => r.value.name),
    [...base, 'apiResources'],
    'name',
    issues,
  );

  const identityNames = new Set(identityResources.map((r) => r.value.name));
  const scopeNames = new Set(apiScopes.map((r) => r.value.name));
  apiScopes.forEach(({ value }, i) => {
    if (value.name && identityNames.has(value.name)) {
      issues.push({
        path: [...base, 'apiScopes', i, 'name'],
        rule: 'scope-name-conflict',
        message: `'${value.name}' is the name of an identity resource and of an API scope; use different names`,
      });
    }
  });
  apiResources.forEach(({ value, broken }, i) => {
    if (!broken.has('apiSecrets')) issues.push(...apiSecretIssues(value, [...base, 'apiResources', i]));
    if (broken.has('scopes')) return;
    value.scopes.forEach((scope, j) => {
      if (!scopeNames.has(scope)) {
        issues.push({
          path: [...base, 'apiResources', i, 'scopes', j],
          rule: 'api-resource-scope-unknown',
          message: `API resource '${value.name}' names scope '${scope}', which is not defined as an API scope`,
        });
      }
    });
  });

  const anyResources = (input.identityResources?.length ?? 0) + (input.apiScopes?.length ?? 0) > 0;
  const knownScopes =
    (options.checkScopes ?? anyResources) ? new Set([...identityNames, ...scopeNames]) : undefined;
  const clients = (input.clients ?? []).map((item, i) => {
    const result = validateClientDefinition(
      item,
      [...base, 'clients', i],
      knownScopes ? { knownScopes } : {},
    );
    issues.push(...result.issues);
    return result.client;
  });
  const ids = (input.clients ?? []).map((c) =>
    typeof c === 'object' && c !== null ? (c as { clientId?: unknown }).clientId : undefined,
  );
  reportDuplicates(ids, [...base, 'clients'], 'clientId', issues);

  if (issues.length > 0) return { definitions: undefined, issues };
  return {
    definitions: {
      clients: clients as Client[],
      identityResources: identityResources.map((r) => r.value),
      apiScopes: apiScopes.map((r) => r.value),
      apiResources: apiResources.map((r) => r.value),
    },
    issues,
  };
}

/**
 * The same rules as a client's secrets: a plaintext API secret would never match at introspection, and an X.509 one
 * (mutual TLS) can never be used.
 */
function apiSecretIssues(resource: ApiResource, path: (string | number)[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  resource.apiSecrets.forEach((secret, j) => {
    if (secret.type.startsWith('X509')) {
      issues.push({
        path: [...path, 'apiSecrets', j, 'type'],
        rule: 'secret-type-unsupported',
        message: UNSUPPORTED_PROPERTY_MESSAGES.x509Secret,
      });
    }
    if (secret.type === SecretTypes.SharedSecret && !isHashedSecret(secret.value)) {
      issues.push({
        path: [...path, 'apiSecrets', j, 'value'],
        rule: 'secret-not-hashed',
        message: SECRET_NOT_HASHED_MESSAGE,
      });
    }
  });
  return issues;
}

function reportDuplicates(
  names: unknown[],
  path: (string | number)[],
  field: string,
  issues: ValidationIssue[],
): void {
  const firstIndex = new Map<unknown, number>();
  names.forEach((name, i) => {
    if (typeof name !== 'string' || name === '') return;
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, i);
    else {
      issues.push({
        path: [...path, i, field],
        rule: 'duplicate-name',
        message: `'${name}' is already used by entry [${first}]; each ${field} must be unique`,
      });
    }
  });
}

/** Throws {@link ModelValidationError} unless the definitions are valid; returns them with defaults applied. */
export function defineDefinitions(input: DefinitionsInput): Definitions {
  const { definitions, issues } = validateDefinitions(input);
  if (!definitions) throw new ModelValidationError(issues, { subject: 'definitions' });
  return definitions;
}

function defineOne<I, T>(shape: Parameters<typeof parseLeniently>[0], input: I, kind: string): T {
  const { value, issues } = parseLeniently<T>(shape, input, []);
  if (issues.length > 0) throw new ModelValidationError(issues, { subject: kind });
  return value;
}

/** Defines an API scope in code with its defaults applied. @throws {ModelValidationError} */
export const defineApiScope = (input: ApiScopeInput): ApiScope =>
  defineOne(apiScopeSchema.shape, input, `API scope '${input.name}'`);

/** Defines an API resource in code with its defaults applied. @throws {ModelValidationError} */
export const defineApiResource = (input: ApiResourceInput): ApiResource => {
  const subject = `API resource '${input.name}'`;
  const resource = defineOne<ApiResourceInput, ApiResource>(apiResourceSchema.shape, input, subject);
  const issues = apiSecretIssues(resource, []);
  if (issues.length > 0) throw new ModelValidationError(issues, { subject });
  return resource;
};

/**
 * Defines an identity resource in code with its defaults applied; see `IdentityResources` for the standard ones.
 * @throws {ModelValidationError}
 */
export function defineIdentityResource(input: IdentityResourceInput): IdentityResource {
  const resource = defineOne<IdentityResourceInput, IdentityResource>(
    identityResourceSchema.shape,
    input,
    `identity resource '${input.name}'`,
  );
  if (resource.userClaims.length === 0) {
    throw new ModelValidationError(
      [{ path: ['userClaims'], rule: 'identity-resource-claims', message: 'needs at least one user claim' }],
      { subject: `identity resource '${input.name}'` },
    );
  }
  return resource;
}
