/**
 * The merged configuration as plain JSON values, and where each part came from.
 *
 * ASP.NET Core's configuration model is followed: keys are case-insensitive, an array is an object whose keys are
 * indexes (so arrays merge by index, and environment variables can name `Clients__0__…`), a later source overrides
 * an earlier one key by key, and `null` means "not set" (it never removes what an earlier source gave).
 *
 * Values are merged into the first file's parsed JSON rather than into a tree of wrapper nodes: a 10,000-client file
 * is then one `JSON.parse` and one walk, with no per-value allocation. Provenance is recorded only where a later
 * source overrides or adds something; everything else came from the first file at the path it is written at.
 */

/** Where a value came from. A file position is a JSON path as written there, resolved to a line only when needed. */
export type Origin =
  | { kind: 'file'; file: string; path: readonly (string | number)[]; offset?: number }
  | { kind: 'env'; name: string };

export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isContainer = (value: unknown): value is JsonObject | unknown[] =>
  typeof value === 'object' && value !== null;

export const INDEX_KEY = /^(0|[1-9]\d*)$/;

/** The key of `object` that matches `key` case-insensitively (the exact spelling first). */
export function findKey(object: object, key: string): string | undefined {
  if (Object.hasOwn(object, key)) return key;
  const lower = key.toLowerCase();
  for (const candidate of Object.keys(object)) if (candidate.toLowerCase() === lower) return candidate;
  return undefined;
}

/** Sets an own property, even one named `__proto__` (which plain assignment would turn into a prototype change). */
export function setKey(object: object, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else (object as JsonObject)[key] = value;
}

/**
 * The entries of an array-like value in index order, as ASP.NET Core binds them: the present elements of an array
 * (holes left by `Clients__5__…` are closed), or the index-keyed properties of an object. `undefined` when the value
 * has a key that is not an index (it is an object, not an array).
 */
export function arrayEntries(
  value: unknown,
): { index: number; key: string | number; value: unknown }[] | undefined {
  if (Array.isArray(value)) {
    const out: { index: number; key: number; value: unknown }[] = [];
    value.forEach((item, index) => {
      out.push({ index, key: index, value: item });
    });
    return out;
  }
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (!keys.every((k) => INDEX_KEY.test(k))) return undefined;
  return keys
    .map((key) => ({ index: Number(key), key, value: value[key] }))
    .sort((a, b) => a.index - b.index);
}

/** Provenance of what later sources set, by lower-cased merged path. */
export class Provenance {
  readonly #origins = new Map<string, Origin>();
  /** The first file: the origin of everything nobody overrode. */
  readonly base: string;

  constructor(base: string) {
    this.base = base;
  }

  record(path: readonly (string | number)[], origin: Origin, keepFirst = false): void {
    const key = pathKey(path);
    if (keepFirst && this.#origins.has(key)) return;
    this.#origins.set(key, origin);
  }

  /**
   * The origin of the value at `path` (a merged path, as `locateRaw` returns it): the source that set the path or
   * its nearest recorded ancestor, with the rest of the path appended for a file; otherwise the first file.
   */
  originOf(path: readonly (string | number)[]): Origin {
    for (let length = path.length; length > 0; length--) {
      const origin = this.#origins.get(pathKey(path.slice(0, length)));
      if (!origin) continue;
      if (origin.kind === 'env') return origin;
      return { kind: 'file', file: origin.file, path: [...origin.path, ...path.slice(length)] };
    }
    return { kind: 'file', file: this.base, path };
  }
}

const pathKey = (path: readonly (string | number)[]) =>
  path.map((s) => String(s).toLowerCase()).join('\u0000');

/**
 * Merges a later file's JSON into `target` (mutating it where it can) and returns the merged value. Containers merge
 * key by key (arrays index by index); a scalar replaces; `null` and empty containers do not remove an earlier
 * container (ASP.NET Core records them as a null value, and children from other sources remain).
 */
export function mergeValue(
  target: unknown,
  source: unknown,
  merged: (string | number)[],
  written: (string | number)[],
  file: string,
  provenance: Provenance,
): unknown {
  if (source === undefined) return target;
  const sourceEmpty = source === null || (isContainer(source) && Object.keys(source).length === 0);
  if (sourceEmpty && isContainer(target)) return target;
  if (!isContainer(source) || !isContainer(target) || sourceEmpty) {
    provenance.record(merged, { kind: 'file', file, path: [...written] });
    return source;
  }
  let into: JsonObject | unknown[] = target;
  const sourceKeys = Object.keys(source);
  // An array merges into an array by index; anything else makes the target an object keyed by the same strings.
  if (Array.isArray(into) && !(Array.isArray(source) || sourceKeys.every((k) => INDEX_KEY.test(k)))) {
    into = Object.fromEntries(into.map((v, i) => [String(i), v]));
  }
  for (const sourceKey of sourceKeys) {
    const value = (source as JsonObject)[sourceKey];
    const key = Array.isArray(into) ? Number(sourceKey) : (findKey(into, sourceKey) ?? sourceKey);
    const writtenKey = Array.isArray(source) ? Number(sourceKey) : sourceKey;
    merged.push(key);
    written.push(writtenKey);
    const existing = (into as JsonObject)[key];
    let next = value;
    if (existing === undefined) provenance.record(merged, { kind: 'file', file, path: [...written] });
    else next = mergeValue(existing, value, merged, written, file, provenance);
    if (Array.isArray(into)) into[key as number] = next;
    else setKey(into, key as string, next);
    merged.pop();
    written.pop();
  }
  return into;
}

/**
 * Sets one environment variable's value at `keys` (levels as written, matched case-insensitively), creating
 * objects on the way; an array on the way takes an index key, or becomes an object when the key is not an index.
 */
export function setEnvValue(
  root: JsonObject,
  keys: readonly string[],
  value: string,
  name: string,
  provenance: Provenance,
): void {
  const merged: (string | number)[] = [];
  let parent: JsonObject | unknown[] = root;
  keys.forEach((written, level) => {
    let key: string | number;
    if (Array.isArray(parent)) {
      if (INDEX_KEY.test(written)) key = Number(written);
      else {
        // A named key under an array: the value is not an array after all. Re-key it and go on; binding then says
        // "expected array" at this path.
        const replaced = Object.fromEntries(parent.map((v, i) => [String(i), v]));
        replaceChild(root, merged, replaced);
        parent = replaced;
        key = findKey(parent, written) ?? written;
      }
    } else {
      key = findKey(parent, written) ?? written;
    }
    merged.push(key);
    const last = level === keys.length - 1;
    if (last) {
      if (Array.isArray(parent)) parent[key as number] = value;
      else setKey(parent, key as string, value);
      provenance.record(merged, { kind: 'env', name });
      return;
    }
    const existing: unknown = (parent as JsonObject)[key];
    if (isContainer(existing)) {
      parent = existing;
      return;
    }
    const created: JsonObject = {};
    if (Array.isArray(parent)) parent[key as number] = created;
    else setKey(parent, key as string, created);
    // The variable that created an object is where a problem with the object as a whole points.
    provenance.record(merged, { kind: 'env', name }, true);
    parent = created;
  });
}

function replaceChild(root: JsonObject, path: readonly (string | number)[], value: unknown): void {
  let parent: unknown = root;
  for (const segment of path.slice(0, -1)) parent = (parent as JsonObject)[segment];
  const last = path.at(-1)!;
  if (Array.isArray(parent)) parent[last as number] = value;
  else setKey(parent as object, String(last), value);
}

/**
 * Turns a path in model terms (camelCase names, bound array positions) into the merged path as stored (keys as
 * spelled, real indexes), as far as it exists: a problem about a missing property points at its parent.
 */
export function locateRaw(root: unknown, path: readonly (string | number)[]): (string | number)[] {
  const out: (string | number)[] = [];
  let current = root;
  for (const segment of path) {
    if (typeof segment === 'number') {
      const entry = arrayEntries(current)?.[segment];
      if (!entry) break;
      out.push(entry.key);
      current = entry.value;
    } else {
      if (!isObject(current)) break;
      const key = findKey(current, segment);
      if (key === undefined) break;
      out.push(key);
      current = current[key];
    }
  }
  return out;
}
