import { z } from 'zod';
import type { ValidationIssue } from './errors.ts';
import { closestName } from './names.ts';

type Shape = Record<string, z.ZodType>;

/** The outcome of parsing an object field by field. */
export interface LenientResult<T> {
  /** The object with every field that parsed, and the default (or `undefined`) for every field that did not. */
  value: T;
  /** Fields whose value broke the schema: rules that read them are skipped, so one mistake is reported once. */
  broken: Set<string>;
  issues: ValidationIssue[];
}

/**
 * Parses an object one field at a time so that the cross-field rules can still run when some fields are wrong, and
 * every problem is reported at once. Unknown properties are issues too, with the nearest known name.
 */
export function parseLeniently<T>(shape: Shape, input: unknown, path: (string | number)[]): LenientResult<T> {
  const issues: ValidationIssue[] = [];
  const broken = new Set<string>();
  const value: Record<string, unknown> = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    issues.push({ path, rule: 'type', message: 'must be an object' });
    for (const key of Object.keys(shape)) broken.add(key);
    return { value: value as T, broken, issues };
  }
  const record = input as Record<string, unknown>;
  const known = Object.keys(shape);
  for (const key of Object.keys(record)) {
    // Own keys only: `'toString' in shape` is true through Object.prototype, and such a key was silently dropped.
    if (Object.hasOwn(shape, key)) continue;
    issues.push({
      path: [...path, key],
      rule: 'unknown-property',
      message: unknownPropertyMessage(key, known),
    });
  }
  for (const [key, schema] of Object.entries(shape)) {
    const result = schema.safeParse(record[key]);
    if (result.success) {
      value[key] = result.data;
      continue;
    }
    broken.add(key);
    for (const issue of result.error.issues) {
      const issuePath = [...path, key, ...(issue.path as (string | number)[])];
      if (issue.code === 'unrecognized_keys') {
        // One issue per unknown key, at the key itself, worded like the top-level ones (zod's own message names
        // only the object).
        const nestedKnown = knownKeysAt(schema, issue.path as (string | number)[]);
        for (const unknownKey of issue.keys) {
          issues.push({
            path: [...issuePath, unknownKey],
            rule: 'unknown-property',
            message: unknownPropertyMessage(unknownKey, nestedKnown),
          });
        }
        continue;
      }
      // A missing property (at the top or inside a nested object, like a secret without `value`) is `required`.
      const missing = valueAt(record[key], issue.path as (string | number)[]) === undefined;
      issues.push({
        path: issuePath,
        rule: missing ? 'required' : 'type',
        message: missing ? 'is required' : issue.message,
      });
    }
  }
  return { value: value as T, broken, issues };
}

function unknownPropertyMessage(key: string, known: readonly string[]): string {
  const suggestion = closestName(key, known);
  return `unknown property '${key}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`;
}

/** The property names of the object schema found at `path` inside `schema` (through defaults, optionals, arrays). */
function knownKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let current: z.ZodType | undefined = schema;
  let i = 0;
  while (current) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodOptional) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodArray) {
      if (typeof path[i] !== 'number') break;
      current = current.element as z.ZodType;
      i++;
    } else if (current instanceof z.ZodObject) {
      const segment = path[i];
      if (segment === undefined) return Object.keys(current.shape);
      current = (current.shape as Record<string, z.ZodType>)[String(segment)];
      i++;
    } else break;
  }
  return [];
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
