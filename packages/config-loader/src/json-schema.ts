import {
  apiResourceSchema,
  apiScopeSchema,
  clientClaimSchema,
  clientSchema,
  ENUM_NUMBERS,
  formatPath,
  identityResourceSchema,
  secretSchema,
} from '@idsrv/model';
import { z } from 'zod';
import { TIMESPAN, TIMESPAN_PROPERTIES } from './bind.ts';
import type { SectionSchemas } from './load.ts';
import { IDENTITY_SERVER_SECTION, identityServerSectionSchema } from './section.ts';

/** What the generated schema describes beyond the `IdentityServer` section. */
export interface AppsettingsJsonSchemaOptions {
  /**
   * The server's own sections (`TestUsers` …), as given to `loadConfiguration({ sections })`, to describe too.
   * Other top-level sections (`Logging`, `AllowedHosts` …) are allowed either way.
   * @default {}
   */
  sections?: SectionSchemas | undefined;
}

type JsonSchema = Record<string, unknown>;

/** Names of the shared definitions under `$defs`, which is what an editor shows for them. */
const DEFINITIONS: [z.ZodType, string][] = [
  [clientSchema, 'Client'],
  [secretSchema, 'Secret'],
  [clientClaimSchema, 'ClientClaim'],
  [apiScopeSchema, 'ApiScope'],
  [apiResourceSchema, 'ApiResource'],
  [identityResourceSchema, 'IdentityResource'],
];

const SECTION_DESCRIPTIONS: Record<string, string> = {
  issuerUri:
    'The issuer name in discovery and tokens. Empty or absent: taken from each request (IdentityServer does the same).',
  clients: 'The clients (applications) that may request tokens.',
  apiScopes: 'Permissions clients can ask for.',
  apiResources: 'APIs: the audience of access tokens that carry any of their scopes.',
  identityResources:
    'Groups of user claims requested as scopes (openid, profile …). Absent: none, unless the server adds the standard ones.',
};

/**
 * The JSON Schema of `appsettings.json`, generated from the model's zod schemas (so it cannot disagree with
 * validation), with IdentityServer's PascalCase property names as appsettings files spell them. Enums also accept
 * IdentityServer's numbers; secrets accept the loader's `Plain` marker. The package ships the result as
 * `@idsrv/config-loader/appsettings.schema.json`; the build writes it, and a test checks the committed file.
 *
 * The loader also accepts camelCase keys and strings for numbers and booleans (as environment variables give
 * them); the schema documents the canonical spelling only.
 *
 * @example
 * // appsettings.json
 * { "$schema": "./node_modules/@idsrv/config-loader/appsettings.schema.json", "IdentityServer": { … } }
 */
export function createAppsettingsJsonSchema(options: AppsettingsJsonSchemaOptions = {}): JsonSchema {
  const registry = z.registry<{ id?: string; description?: string }>();
  for (const [schema, id] of DEFINITIONS) registry.add(schema, { id });
  const sectionShape = identityServerSectionSchema.shape;
  for (const [key, description] of Object.entries(SECTION_DESCRIPTIONS)) {
    registry.add(sectionShape[key as keyof typeof sectionShape], { description });
  }
  const root = z.object({
    [IDENTITY_SERVER_SECTION]: identityServerSectionSchema.optional(),
    ...Object.fromEntries(Object.entries(options.sections ?? {}).map(([name, s]) => [name, s.optional()])),
  });

  const generated = z.toJSONSchema(root, {
    io: 'input',
    metadata: registry,
    // A Date cannot be written in JSON; the model's dates are also accepted as ISO 8601 strings.
    unrepresentable: 'any',
    override(ctx) {
      if ((ctx.zodSchema as unknown as { _zod: { def: { type: string } } })._zod.def.type === 'date') {
        ctx.jsonSchema.type = 'string';
        ctx.jsonSchema.format = 'date-time';
      }
    },
  }) as JsonSchema;

  const schema = pascalize(generated);
  const defs = schema['$defs'] as Record<string, JsonSchema>;
  addEnumNumbers(defs['Client']!);
  addTimeSpans(defs['Client']!);
  const secretProperties = defs['Secret']!['properties'] as Record<string, JsonSchema>;
  secretProperties['Plain'] = {
    type: 'boolean',
    default: false,
    description:
      'Development only: Value is the secret in plain text and is hashed with SHA-256 at load (with a warning). ' +
      'Otherwise a SharedSecret Value must be the Base64 SHA-256/512 hash: see `idsrv hash-secret`.',
  };

  const properties = schema['properties'] as Record<string, unknown>;
  return {
    $schema: schema['$schema'],
    title: 'idsrv appsettings.json',
    description:
      'Configuration read by @idsrv/config-loader: the IdentityServer section (clients and resources, as Duende ' +
      "IdentityServer's AddInMemoryClients reads them) and any other section.",
    type: 'object',
    properties: { $schema: { type: 'string' }, ...properties },
    // Logging, AllowedHosts and the server's own sections live beside IdentityServer.
    additionalProperties: true,
    $defs: defs,
  };
}

/** Renames every described property to PascalCase (`dPoPValidationMode` → `DPoPValidationMode`). */
function pascalize(schema: unknown): JsonSchema {
  if (Array.isArray(schema)) return schema.map(pascalize) as unknown as JsonSchema;
  if (typeof schema !== 'object' || schema === null) return schema as JsonSchema;
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'properties' || keyword === '$defs') {
      out[keyword] = Object.fromEntries(
        Object.entries(value as JsonSchema).map(([name, sub]) => [
          keyword === 'properties' ? formatPath([name], 'pascal') : name,
          pascalize(sub),
        ]),
      );
    } else if (keyword === 'required') {
      out[keyword] = (value as string[]).map((name) => formatPath([name], 'pascal'));
    } else if (keyword === 'default' || keyword === 'enum' || keyword === 'const' || keyword === 'examples') {
      // Values, not schemas: a default record's keys are data.
      out[keyword] = value;
    } else {
      out[keyword] = pascalize(value);
    }
  }
  return out;
}

/** IdentityServer's enums are also written as numbers (`"AccessTokenType": 1`); the loader accepts both. */
function addEnumNumbers(client: JsonSchema): void {
  const properties = client['properties'] as Record<string, JsonSchema>;
  for (const [name, values] of Object.entries(ENUM_NUMBERS)) {
    const property = properties[formatPath([name], 'pascal')];
    if (!property || !Array.isArray(property['enum'])) continue;
    const numbers = values.flatMap((v, i) => (v === undefined ? [] : [i]));
    // The enum alone says it all; a `type` would have to be a union of string and integer.
    delete property['type'];
    property['enum'] = [...(property['enum'] as unknown[]), ...numbers];
  }
}

/** IdentityServer writes its `TimeSpan` properties as `"00:05:00"`; the loader reads that as well as seconds. */
function addTimeSpans(client: JsonSchema): void {
  const properties = client['properties'] as Record<string, JsonSchema>;
  for (const name of TIMESPAN_PROPERTIES) {
    const key = formatPath([name], 'pascal');
    const { default: fallback, ...seconds } = properties[key]!;
    properties[key] = {
      default: fallback,
      anyOf: [
        { ...seconds, description: 'seconds' },
        { type: 'string', pattern: TIMESPAN.source, description: 'a .NET TimeSpan: [d.]hh:mm[:ss]' },
      ],
    };
  }
}
