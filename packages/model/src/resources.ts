import { z } from 'zod';
import { secretSchema } from './client.ts';
import { list, stringMap } from './schema-helpers.ts';

const resourceFields = {
  /** @default true */
  enabled: z.boolean().default(true),
  /** The scope or resource name clients ask for. */
  name: z.string().min(1, 'a resource needs a name'),
  displayName: z.string().optional(),
  description: z.string().optional(),
  /** @default true */
  showInDiscoveryDocument: z.boolean().default(true),
  /** Claim types included in tokens when this resource is granted. */
  userClaims: list(z.string()),
  properties: stringMap(),
};

/** IdentityServer's `IdentityResource`: a named group of user claims, requested as a scope (`openid`, `profile`…). */
export const identityResourceSchema = z.strictObject({
  ...resourceFields,
  /** @default false — the consent page does not let the user deselect it. */
  required: z.boolean().default(false),
  /** @default false — the consent page draws attention to it. */
  emphasize: z.boolean().default(false),
});
export type IdentityResourceInput = z.input<typeof identityResourceSchema>;
export type IdentityResource = z.output<typeof identityResourceSchema>;

/** IdentityServer's `ApiScope`: a permission a client can ask for on behalf of itself or a user. */
export const apiScopeSchema = z.strictObject({
  ...resourceFields,
  /** @default false */
  required: z.boolean().default(false),
  /** @default false */
  emphasize: z.boolean().default(false),
});
export type ApiScopeInput = z.input<typeof apiScopeSchema>;
export type ApiScope = z.output<typeof apiScopeSchema>;

/** IdentityServer's `ApiResource`: an API, the audience of access tokens that carry any of its `scopes`. */
export const apiResourceSchema = z.strictObject({
  ...resourceFields,
  /** Names of the API scopes that belong to this API. */
  scopes: list(z.string()),
  /** Hashed secrets the API uses to call the introspection endpoint. */
  apiSecrets: list(secretSchema),
  /** @default false — true includes this API in `aud` only when a `resource` parameter names it. */
  requireResourceIndicator: z.boolean().default(false),
  /** Empty means the server's default algorithm. */
  allowedAccessTokenSigningAlgorithms: list(z.string()),
});
export type ApiResourceInput = z.input<typeof apiResourceSchema>;
export type ApiResource = z.output<typeof apiResourceSchema>;

/** Everything a resource store holds. */
export interface Resources {
  identityResources: IdentityResource[];
  apiScopes: ApiScope[];
  apiResources: ApiResource[];
}

const standard = (
  name: string,
  displayName: string,
  userClaims: string[],
  flags: { required?: boolean; emphasize?: boolean; description?: string },
): IdentityResource => ({
  enabled: true,
  name,
  displayName,
  ...(flags.description !== undefined && { description: flags.description }),
  showInDiscoveryDocument: true,
  userClaims,
  properties: {},
  required: flags.required ?? false,
  emphasize: flags.emphasize ?? false,
});

/**
 * The standard OpenID Connect identity resources, as IdentityServer defines them (`new IdentityResources.OpenId()`).
 * Each call returns a new object.
 */
export const IdentityResources = {
  OpenId: () => standard('openid', 'Your user identifier', ['sub'], { required: true }),
  Profile: () =>
    standard(
      'profile',
      'User profile',
      [
        'name',
        'family_name',
        'given_name',
        'middle_name',
        'nickname',
        'preferred_username',
        'profile',
        'picture',
        'website',
        'gender',
        'birthdate',
        'zoneinfo',
        'locale',
        'updated_at',
      ],
      { emphasize: true, description: 'Your user profile information (first name, last name, etc.)' },
    ),
  Email: () => standard('email', 'Your email address', ['email', 'email_verified'], { emphasize: true }),
  Phone: () =>
    standard('phone', 'Your phone number', ['phone_number', 'phone_number_verified'], { emphasize: true }),
  Address: () => standard('address', 'Your postal address', ['address'], { emphasize: true }),
} as const;
