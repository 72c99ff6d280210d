import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fixture } from '../test/helpers.ts';
import { createAppsettingsJsonSchema } from './json-schema.ts';

const committedFile = fileURLToPath(new URL('../appsettings.schema.json', import.meta.url));
const readJsonc = (file: string) =>
  parse(readFileSync(file, 'utf8'), [], { allowTrailingComma: true }) as unknown;

/** An editor's view of the schema: a standard JSON Schema 2020-12 validator. */
function validator(schema = createAppsettingsJsonSchema()) {
  const ajv = new Ajv2020({ allErrors: true, formats: { 'date-time': true, date: true } });
  return ajv.compile(schema);
}

describe('appsettings JSON Schema', () => {
  it('the committed appsettings.schema.json is what the generator produces now (run the build to update it)', () => {
    const committed = JSON.parse(readFileSync(committedFile, 'utf8')) as unknown;
    expect(committed).toStrictEqual(JSON.parse(JSON.stringify(createAppsettingsJsonSchema())));
  });

  it('describes the IdentityServer shape in PascalCase, with enums, TimeSpans and the Plain marker', () => {
    const schema = createAppsettingsJsonSchema() as {
      $defs: Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }>;
    };
    const client = schema.$defs['Client']!;
    expect(client.required).toEqual(['ClientId']);
    expect(Object.keys(client.properties)).toContain('DPoPValidationMode');
    expect(Object.keys(client.properties)).toContain('AllowedScopes');
    expect(client.properties['AccessTokenType']).toMatchObject({
      default: 'Jwt',
      enum: ['Jwt', 'Reference', 0, 1],
    });
    expect(client.properties['RefreshTokenUsage']).toMatchObject({ default: 'ReUse' });
    expect(schema.$defs['Secret']!.properties['Plain']).toMatchObject({ type: 'boolean' });
  });

  it('accepts the fixtures an editor would open, Logging and other sections included', () => {
    const validate = validator();
    for (const name of ['local-dev', 'overlay', 'plain-secrets', 'sections']) {
      const ok = validate(readJsonc(fixture(name)));
      expect({ name, errors: validate.errors ?? [] }).toEqual({ name, errors: [] });
      expect(ok).toBe(true);
    }
    expect(validate(readJsonc(fixture('overlay', 'appsettings.Development.json')))).toBe(false); // partial clients
    expect(
      validate({
        IdentityServer: { Clients: [{ ClientId: 'c', DPoPClockSkew: '00:05:00', AccessTokenType: 1 }] },
      }),
    ).toBe(true);
  });

  it('flags what the loader warns about or refuses: an unknown key and a wrong enum name', () => {
    const validate = validator();
    expect(validate(readJsonc(fixture('five-mistakes')))).toBe(false);
    const found = (validate.errors ?? []).map((e) => [e.instancePath, e.keyword, e.params]);
    expect(found).toContainEqual([
      '/IdentityServer/Clients/1',
      'additionalProperties',
      { additionalProperty: 'AllowedScope' },
    ]);
    expect(found).toContainEqual(['/IdentityServer/Clients/0/AccessTokenType', 'enum', expect.anything()]);
  });

  it('can describe the server sections too', () => {
    const schema = createAppsettingsJsonSchema({
      sections: { TestUsers: z.array(z.strictObject({ subjectId: z.string(), username: z.string() })) },
    });
    const validate = validator(schema);
    expect(validate({ TestUsers: [{ SubjectId: '1', Username: 'alice' }] })).toBe(true);
    expect(validate({ TestUsers: [{ SubjectId: '1', Usrname: 'alice' }] })).toBe(false);
  });
});
