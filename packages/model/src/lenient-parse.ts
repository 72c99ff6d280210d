import type { z } from 'zod';
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
    if (key in shape) continue;
    const suggestion = closestName(key, known);
    issues.push({
      path: [...path, key],
      rule: 'unknown-property',
      message: `unknown property '${key}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
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
      issues.push({
        path: [...path, key, ...(issue.path as (string | number)[])],
        rule:
          record[key] === undefined
            ? 'required'
            : issue.code === 'unrecognized_keys'
              ? 'unknown-property'
              : 'type',
        message: record[key] === undefined ? 'is required' : issue.message,
      });
    }
  }
  return { value: value as T, broken, issues };
}
