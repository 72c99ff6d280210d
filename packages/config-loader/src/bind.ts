import { closestName, ENUM_NUMBERS, formatPath, secretSchema, sha256 } from '@idsrv/model';
import type { z } from 'zod';
import type { RawProblem } from './problems.ts';
import { arrayEntries, findKey, isContainer, isObject, type JsonObject, setKey } from './raw.ts';

/** What binding does with a schema, worked out once per schema. */
type Target =
  | {
      kind: 'object';
      shape: Record<string, z.ZodType>;
      /** Lower-cased key → the model's property name (`dpopvalidationmode` → `dPoPValidationMode`). */
      byLower: Map<string, string>;
      pascalNames: string[];
      camelNames: string[];
      /** A loose object (`z.looseObject`, a catchall) keeps unknown keys instead of warning about them. */
      passThrough: boolean;
      /** IdentityServer's `Secret`, which accepts the loader's own `Plain` marker. */
      isSecret: boolean;
    }
  | { kind: 'array'; element: z.ZodType }
  | { kind: 'record'; value: z.ZodType }
  | { kind: 'enum'; values: string[] }
  | { kind: 'boolean' | 'number' | 'string' | 'any' };

/** Problems and warnings found while binding. */
export interface BindReport {
  problems: RawProblem[];
  warnings: RawProblem[];
}

/** Properties that are a `TimeSpan` in IdentityServer (`"00:05:00"`) and seconds in the model. */
export const TIMESPAN_PROPERTIES = new Set(['dPoPClockSkew']);

const targets = new WeakMap<z.ZodType, Target>();

// zod 4 keeps a schema's definition in `_zod.def`; binding reads only its `type` and the inner schemas.
interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  entries?: Record<string, unknown>;
  values?: unknown[];
  options?: z.ZodType[];
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;

function describe(schema: z.ZodType): Target {
  const cached = targets.get(schema);
  if (cached) return cached;
  const target = describeUncached(schema);
  targets.set(schema, target);
  return target;
}

function describeUncached(schema: z.ZodType): Target {
  const def = defOf(schema);
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return describe(def.innerType!);
    case 'pipe':
      return describe(def.in!);
    case 'lazy':
      return describe(def.getter!());
    case 'object': {
      const shape = def.shape ?? {};
      const names = Object.keys(shape);
      const catchall = def.catchall ? defOf(def.catchall).type : undefined;
      return {
        kind: 'object',
        shape,
        byLower: new Map(names.map((n) => [n.toLowerCase(), n])),
        pascalNames: names.map((n) => formatPath([n], 'pascal')),
        camelNames: names,
        passThrough: catchall !== undefined && catchall !== 'never',
        isSecret: schema === (secretSchema as unknown as z.ZodType),
      };
    }
    case 'array':
      return { kind: 'array', element: def.element! };
    case 'record':
      return { kind: 'record', value: def.valueType! };
    case 'enum':
      return { kind: 'enum', values: Object.values(def.entries ?? {}).filter((v) => typeof v === 'string') };
    case 'literal':
      return def.values?.every((v) => typeof v === 'string')
        ? { kind: 'enum', values: def.values as string[] }
        : { kind: 'any' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'number':
    case 'int':
      return { kind: 'number' };
    case 'string':
    case 'date':
      // A date can only be written as a string in a configuration file.
      return { kind: 'string' };
    case 'union': {
      // The model's dates are a union of a Date and ISO strings: bind them as the string they are written as.
      const kinds = new Set((def.options ?? []).map((o) => describe(o).kind));
      return kinds.size === 1 && kinds.has('string') ? { kind: 'string' } : { kind: 'any' };
    }
    default:
      return { kind: 'any' };
  }
}

/**
 * Binds a merged configuration value onto a schema with ASP.NET Core's rules: keys match the schema's property names
 * case-insensitively; strings become numbers, booleans and enum names (or IdentityServer's enum numbers) where the
 * schema wants them; `null`, and an empty string for a non-string, mean "not set" so the default applies. Arrays are
 * read in index order with gaps closed. A key the schema does not know is left out with a warning naming the nearest
 * known key. A value that cannot be bound is passed through unchanged, so that validation reports it with the
 * model's own message.
 *
 * @param path where the value is, in the model's property names and bound array positions. Used as a stack (pushed
 * and popped, never copied unless a problem is reported) because binding visits every value of a large file.
 */
export function bind(
  value: unknown,
  schema: z.ZodType,
  path: (string | number)[],
  report: BindReport,
  name?: string,
): unknown {
  if (value === undefined || value === null) return undefined;
  const target = describe(schema);
  switch (target.kind) {
    case 'object':
      if (!isObject(value)) return notSet(value);
      return bindObject(value, target, path, report);
    case 'array':
      return bindArray(value, target.element, path, report);
    case 'record': {
      if (!isObject(value)) return notSet(value);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        path.push(key);
        setKey(out, key, bind(value[key], target.value, path, report));
        path.pop();
      }
      return out;
    }
    case 'any':
      return value;
    default:
      // A container where a scalar belongs is handed over as it is; validation says what was expected.
      if (typeof value === 'object') return value;
      return bindScalar(value as string | number | boolean, target, name);
  }
}

/** An empty string is "not set" (environment variables cannot say null); anything else is passed on to be reported. */
const notSet = (value: unknown) => (value === '' ? undefined : value);

function bindObject(
  value: JsonObject,
  target: Extract<Target, { kind: 'object' }>,
  path: (string | number)[],
  report: BindReport,
): unknown {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const property = target.byLower.get(key.toLowerCase());
    if (property !== undefined) {
      if (Object.hasOwn(out, property)) continue; // a case-insensitive duplicate, reported when the file was read
      path.push(property);
      const bound = bind(value[key], target.shape[property]!, path, report, property);
      path.pop();
      if (bound !== undefined) out[property] = bound;
      continue;
    }
    if (target.isSecret && key.toLowerCase() === 'plain') continue;
    if (target.passThrough) {
      setKey(out, key, value[key]);
      continue;
    }
    // Suggest in the style the file is written in, so the fix is a copy and paste.
    const camel = /^[a-z]/.test(key);
    const suggestion = closestName(key, camel ? target.camelNames : target.pascalNames);
    report.warnings.push({
      path: [...path, key],
      rule: 'unknown-property',
      message: `unknown key '${key}' is ignored${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
      ...(suggestion ? { suggestion } : {}),
    });
  }
  if (target.isSecret) applyPlainMarker(value, out, path, report);
  return out;
}

/**
 * `"Plain": true` marks a secret written in plain text, for development: it is hashed with SHA-256 here, as
 * IdentityServer's `"secret".Sha256()` would, and the load warns about it.
 */
function applyPlainMarker(
  value: JsonObject,
  secret: Record<string, unknown>,
  path: (string | number)[],
  report: BindReport,
): void {
  const key = findKey(value, 'plain');
  if (key === undefined) return;
  const marker = value[key];
  if (marker === null || marker === undefined) return;
  const plain =
    typeof marker === 'object'
      ? marker
      : bindScalar(marker as string | number | boolean, { kind: 'boolean' });
  if (plain === undefined) return;
  if (typeof plain !== 'boolean') {
    report.problems.push({ path: [...path, key], rule: 'type', message: 'Plain must be true or false' });
    return;
  }
  if (!plain) return;
  const type = secret['type'] ?? 'SharedSecret';
  if (type !== 'SharedSecret') {
    report.problems.push({
      path: [...path, key],
      rule: 'secret-plain-type',
      message: `"Plain": true applies to SharedSecret values only, not to ${String(type)}`,
    });
    return;
  }
  if (typeof secret['value'] !== 'string' || secret['value'] === '') return;
  secret['value'] = sha256(secret['value']);
  report.warnings.push({
    path: [...path, 'value'],
    rule: 'secret-plain',
    message:
      'a plain-text secret ("Plain": true) was hashed with SHA-256 at load; this is for development only: ' +
      'store the output of `idsrv hash-secret <secret>` as the Value and remove "Plain"',
  });
}

function bindArray(
  value: unknown,
  element: z.ZodType,
  path: (string | number)[],
  report: BindReport,
): unknown {
  if (Array.isArray(value)) {
    // The usual case, a dense JSON array, without building entries.
    let dense = true;
    for (let i = 0; i < value.length && dense; i++) dense = i in value;
    if (dense) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        out[i] = bind(value[i], element, path, report);
        path.pop();
      }
      return out;
    }
  }
  if (!isContainer(value)) return notSet(value);
  const entries = arrayEntries(value);
  // A key that is not an index: this is an object, not an array; validation says so.
  if (!entries) return value;
  let gapReported = false;
  return entries.map((entry, position) => {
    if (!gapReported && entry.index !== position) {
      gapReported = true;
      report.warnings.push({
        path: [...path, position],
        rule: 'array-index-gap',
        message: `there is no entry ${position}; the entry with index ${entry.index} is bound as [${position}] (ASP.NET Core closes gaps in array indexes)`,
      });
    }
    path.push(position);
    const bound = bind(entry.value, element, path, report);
    path.pop();
    return bound;
  });
}

const NUMBER = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;
/** .NET's TimeSpan format: `[-][d.]hh:mm[:ss[.fffffff]]`. */
export const TIMESPAN = /^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*$/;

function bindScalar(value: string | number | boolean, target: Target, name?: string): unknown {
  switch (target.kind) {
    case 'string':
      // ASP.NET Core configuration holds every value as a string, so `"ClientId": 42` is the string "42".
      return typeof value === 'string' ? value : String(value);
    case 'boolean': {
      if (typeof value !== 'string') return value;
      const text = value.trim().toLowerCase();
      if (text === '') return undefined;
      return text === 'true' ? true : text === 'false' ? false : value;
    }
    case 'number': {
      if (typeof value !== 'string') return value;
      if (value.trim() === '') return undefined;
      if (NUMBER.test(value)) return Number(value);
      if (name !== undefined && TIMESPAN_PROPERTIES.has(name)) {
        const m = TIMESPAN.exec(value);
        if (m) {
          const seconds =
            Number(m[2] ?? 0) * 86_400 + Number(m[3]) * 3_600 + Number(m[4]) * 60 + Number(m[5] ?? 0);
          return m[1] ? -seconds : seconds;
        }
      }
      return value;
    }
    case 'enum': {
      const numbers =
        name !== undefined ? (ENUM_NUMBERS as Record<string, readonly unknown[]>)[name] : undefined;
      if (typeof value === 'number') return numbers?.[value] ?? value;
      if (typeof value !== 'string') return value;
      const text = value.trim();
      if (text === '') return undefined;
      const named = target.values.find((v) => v.toLowerCase() === text.toLowerCase());
      if (named !== undefined) return named;
      if (numbers && /^\d+$/.test(text)) return numbers[Number(text)] ?? value;
      return value;
    }
    default:
      return value;
  }
}

/** The names an enum property takes, when `path` (model names and positions) leads to one in `schema`. */
export function enumValuesAt(schema: z.ZodType, path: readonly (string | number)[]): string[] | undefined {
  let target = describe(schema);
  for (const segment of path) {
    if (target.kind === 'object' && typeof segment === 'string' && target.shape[segment]) {
      target = describe(target.shape[segment]);
    } else if (target.kind === 'array' && typeof segment === 'number') {
      target = describe(target.element);
    } else if (target.kind === 'record' && typeof segment === 'string') {
      target = describe(target.value);
    } else {
      return undefined;
    }
  }
  return target.kind === 'enum' ? target.values : undefined;
}
