import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import type { RawProblem } from './problems.ts';

/** A JSON file read into a plain value. */
export interface JsonSource {
  value: unknown;
  problems: RawProblem[];
}

/**
 * Parses an appsettings file. Comments and trailing commas are accepted, as ASP.NET Core's JSON provider accepts
 * them; every syntax error is reported with its position. A key given twice in one object (case-insensitively) is
 * an error, as it is in ASP.NET Core: JSON.parse would silently keep the last one.
 */
export function readJsonSource(file: string, text: string): JsonSource {
  // A UTF-8 byte order mark is common in files saved by Visual Studio; a space keeps every offset in place.
  const body = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const problems: RawProblem[] = [];
  let value: unknown;
  try {
    // The native parser is an order of magnitude faster; most files have no comment or trailing comma.
    value = JSON.parse(body);
  } catch {
    const errors: ParseError[] = [];
    value = parseJsonc(body, errors, { allowTrailingComma: true, disallowComments: false });
    for (const error of errors) {
      problems.push({
        path: [],
        rule: 'json-syntax',
        message: `JSON syntax error: ${describeParseError(printParseErrorCode(error.error))}`,
        origin: { kind: 'file', file, path: [], offset: error.offset },
      });
    }
    if (errors.length > 0) return { value: undefined, problems };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({
      path: [],
      rule: 'type',
      message: 'the file must hold a JSON object ({ "IdentityServer": { … } })',
      origin: { kind: 'file', file, path: [] },
    });
    return { value: undefined, problems };
  }
  problems.push(...findDuplicateKeys(file, body));
  return { value, problems };
}

/**
 * Keys given twice in one object, compared case-insensitively. The text has already parsed, so a small scanner does:
 * it skips strings and comments, keeps one key list per nesting depth (reused from object to object), and works out
 * a path only for a duplicate. On a 10,000-client file it is several times faster than jsonc-parser's visitor,
 * most of all before the JIT has warmed up, which is the case at start-up.
 */
function findDuplicateKeys(file: string, text: string): RawProblem[] {
  const problems: RawProblem[] = [];
  const keys: string[][] = [];
  const isObject: boolean[] = [];
  const position: (string | number)[] = [];
  let depth = -1;
  const length = text.length;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let escaped = false;
      i++;
      while (i < length) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) {
          escaped = true;
          i += 2;
        } else if (d === QUOTE) break;
        else i++;
      }
      const end = ++i;
      if (depth < 0 || !isObject[depth]) continue;
      let next = i;
      while (next < length && text.charCodeAt(next) <= SPACE) next++;
      if (text.charCodeAt(next) !== COLON) continue;
      const raw = text.slice(start, end);
      const key: string = escaped ? JSON.parse(raw) : raw.slice(1, -1);
      const lower = key.toLowerCase();
      position[depth] = key;
      const seen = keys[depth]!;
      if (!seen.includes(lower)) {
        seen.push(lower);
        continue;
      }
      const path = position.slice(0, depth + 1);
      problems.push({
        path,
        rule: 'duplicate-key',
        message: `the key '${key}' is given twice in one object (keys are case-insensitive); keep one`,
        origin: { kind: 'file', file, path, offset: start },
      });
      continue;
    }
    if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      const newline = text.indexOf('\n', i);
      i = newline < 0 ? length : newline;
      continue;
    }
    if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? length : close + 2;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      isObject[depth] = c === OPEN_BRACE;
      position[depth] = 0;
      if (keys[depth]) keys[depth]!.length = 0;
      else keys[depth] = [];
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if (c === COMMA && depth >= 0 && !isObject[depth]) {
      position[depth] = (position[depth] as number) + 1;
    }
    i++;
  }
  return problems;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const STAR = 0x2a;
const COLON = 0x3a;
const COMMA = 0x2c;
const SPACE = 0x20;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function describeParseError(code: string): string {
  // jsonc-parser's codes are identifiers (`CommaExpected`); a sentence reads better beside a line number.
  const words = code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** One environment variable that names a configuration key. */
export interface EnvEntry {
  name: string;
  keys: string[];
  value: string;
}

/**
 * Reads environment variables the way ASP.NET Core's `AddEnvironmentVariables(prefix)` does: the prefix (matched
 * case-insensitively) is removed, `__` (or `:`) separates levels, and an array entry is a level named by its index
 * (`IdentityServer__Clients__0__AllowedScopes__1=api2`). Only variables whose first level is one of `sections` are
 * kept: the rest of the environment (`PATH`, `HOME` …) is none of the configuration's business. A variable whose
 * first level is a near miss of a section name (`IdentitySever__…`) is reported, since it would otherwise do nothing.
 */
export function readEnvEntries(
  env: Readonly<Record<string, string | undefined>>,
  prefix: string,
  sections: readonly string[],
  closest: (name: string) => string | undefined,
): { entries: EnvEntry[]; problems: RawProblem[] } {
  const entries: EnvEntry[] = [];
  const problems: RawProblem[] = [];
  const wanted = new Set(sections.map((s) => s.toLowerCase()));
  const lowerPrefix = prefix.toLowerCase();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.toLowerCase().startsWith(lowerPrefix)) continue;
    const keys = name.slice(prefix.length).split(/__|:/);
    const first = keys[0]!;
    if (!wanted.has(first.toLowerCase())) {
      // Without a prefix, a one-level name (`HOME`) is surely not meant for us; with one, every variable is.
      const suggestion = keys.length > 1 || prefix !== '' ? closest(first) : undefined;
      if (suggestion) {
        problems.push({
          path: [first],
          rule: 'unknown-section',
          message: `the environment variable ${name} is not read: '${first}' is not a configuration section; did you mean '${suggestion}'?`,
          suggestion,
          origin: { kind: 'env', name },
        });
      }
      continue;
    }
    if (keys.some((k) => k === '')) {
      problems.push({
        path: keys.filter((k) => k !== ''),
        rule: 'env-key-invalid',
        message: `the environment variable ${name} is not read: it has an empty level (levels are separated by exactly two underscores)`,
        origin: { kind: 'env', name },
      });
      continue;
    }
    entries.push({ name, keys, value });
  }
  return { entries, problems };
}
