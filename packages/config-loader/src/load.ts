import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type ApiResource,
  type ApiScope,
  type Client,
  closestName,
  ENUM_NUMBERS,
  formatPath,
  type IdentityResource,
  type IdentityResourceInput,
  type ValidationIssue,
  validateDefinitions,
} from '@idsrv/model';
import type { z } from 'zod';
import { type BindReport, bind, enumValuesAt } from './bind.ts';
import { ConfigError, ConfigNotFoundError } from './errors.ts';
import { Locations } from './locations.ts';
import { type ConfigProblem, placeProblem, type RawProblem, sortProblems } from './problems.ts';
import { findKey, type JsonObject, locateRaw, mergeValue, Provenance, setEnvValue } from './raw.ts';
import {
  type BoundIdentityServerSection,
  IDENTITY_SERVER_SECTION,
  identityServerSectionSchema,
} from './section.ts';
import { readEnvEntries, readJsonSource } from './sources.ts';

/** Extra top-level sections to bind and validate, by section name: `{ TestUsers: testUsersSchema }`. */
export type SectionSchemas = Record<string, z.ZodType>;

/** The validated value of each extra section, by the names given in {@link LoadConfigurationOptions.sections}. */
export type LoadedSections<S extends SectionSchemas> = { [K in keyof S]: z.output<S[K]> };

/** Where to read the configuration from. */
export interface LoadConfigurationOptions<S extends SectionSchemas = SectionSchemas> {
  /** Path of `appsettings.json` (relative paths resolve against the current directory). It must exist. */
  file: string;
  /**
   * The environment name (`Development`, `Production` …). When given, `appsettings.{environment}.json` beside `file`
   * is read after it, if it exists; a missing overlay is not an error, as in ASP.NET Core.
   * @default undefined (no overlay)
   */
  environment?: string | undefined;
  /**
   * Environment variables, read last: `IdentityServer__Clients__0__Enabled=false`. Pass `{}` to read none.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Only environment variables that start with this prefix (case-insensitively) are read, without it:
   * with `'IDSRV_'`, `IDSRV_IdentityServer__IssuerUri` sets `IdentityServer:IssuerUri`.
   * @default '' (every variable whose first level is a known section)
   */
  envPrefix?: string | undefined;
  /**
   * The server's own top-level sections (`TestUsers`, `Server`, `Logging` …) as zod schemas, bound with the same rules
   * and validated with the same problem reporting. A section that is absent binds as `undefined`, so give the schema
   * a default (or make it optional) unless the section is required.
   * @default {}
   */
  sections?: S | undefined;
  /**
   * Identity resources to use when the configuration defines none (IdentityServer's in-memory setup has them in
   * code, not in appsettings.json). They are validated with the rest, so clients may be allowed their scopes.
   * @default undefined (none: the loader never invents resources)
   * @example
   * defaultIdentityResources: [IdentityResources.OpenId(), IdentityResources.Profile()]
   */
  defaultIdentityResources?: readonly IdentityResourceInput[] | undefined;
}

/** The configuration, validated, with IdentityServer's defaults applied. */
export interface LoadedConfiguration<S extends SectionSchemas = SectionSchemas> {
  /** `IdentityServer:IssuerUri`; `undefined` when absent or empty (the issuer is then taken from the request). */
  issuerUri: string | undefined;
  clients: Client[];
  /** Exactly what the configuration defines (or `defaultIdentityResources` when it defines none). */
  identityResources: IdentityResource[];
  apiScopes: ApiScope[];
  apiResources: ApiResource[];
  /** The extra sections asked for in `sections`, validated. */
  sections: LoadedSections<S>;
  /** Unknown keys, plain secrets hashed at load, closed array gaps … ordered by file and line. */
  warnings: ConfigProblem[];
  /** Absolute paths of the files read, in the order they were applied. */
  files: string[];
}

/** The files' contents at one moment; `watchConfiguration` compares them to skip reloads that change nothing. */
export interface Snapshot {
  files: { file: string; text: string }[];
  key: string;
}

/** The overlay file's path: `appsettings.json` + `Development` → `appsettings.Development.json`. */
export function overlayPath(file: string, environment: string): string {
  const name = basename(file);
  const overlay = name.toLowerCase().endsWith('.json')
    ? `${name.slice(0, -'.json'.length)}.${environment}.json`
    : `${name}.${environment}`;
  return join(dirname(file), overlay);
}

/** Reads the files (the main one must exist; the overlay may not). */
export async function readSnapshot(options: Pick<LoadConfigurationOptions, 'file' | 'environment'>) {
  const main = resolve(options.file);
  const files: { file: string; text: string }[] = [];
  try {
    files.push({ file: main, text: await readFile(main, 'utf8') });
  } catch (cause) {
    throw new ConfigNotFoundError(main, { cause });
  }
  if (options.environment) {
    const overlay = overlayPath(main, options.environment);
    try {
      files.push({ file: overlay, text: await readFile(overlay, 'utf8') });
    } catch (cause) {
      // Optional, as ASP.NET Core's `appsettings.{Environment}.json` is; anything but absence is still an error.
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new ConfigNotFoundError(overlay, { cause });
    }
  }
  return { files, key: files.map((f) => `${f.file}\0${f.text}`).join('\0') } satisfies Snapshot;
}

/**
 * Reads `appsettings.json`, then `appsettings.{environment}.json`, then environment variables (later wins; objects
 * merge key by key and arrays index by index), binds the result onto idsrv's model with ASP.NET Core's rules, and
 * validates it with `@idsrv/model`. Every problem is reported at once.
 *
 * @throws {ConfigNotFoundError} `ERR_CONFIG_NOT_FOUND` when `file` does not exist.
 * @throws {ConfigError} `ERR_CONFIG_INVALID` listing every problem, each with its file and line (or environment
 * variable), JSON path and rule.
 * @example
 * const config = await loadConfiguration({ file: 'appsettings.json', environment: process.env.DOTNET_ENVIRONMENT });
 * for (const warning of config.warnings) console.warn(formatProblem(warning));
 */
export async function loadConfiguration<S extends SectionSchemas = Record<never, z.ZodType>>(
  options: LoadConfigurationOptions<S>,
): Promise<LoadedConfiguration<S>> {
  return evaluate(await readSnapshot(options), options);
}

/** Parses, merges, binds and validates a snapshot; synchronous, so a reload is one step. */
export function evaluate<S extends SectionSchemas>(
  snapshot: Snapshot,
  options: LoadConfigurationOptions<S>,
): LoadedConfiguration<S> {
  const files = snapshot.files.map((f) => f.file);
  const locations = new Locations(new Map(snapshot.files.map((f) => [f.file, f.text])));
  const provenance = new Provenance(files[0]!);
  const sectionSchemas = (options.sections ?? {}) as S;
  const sectionNames = [IDENTITY_SERVER_SECTION, ...Object.keys(sectionSchemas)];

  const problems: RawProblem[] = [];
  const report: BindReport = { problems, warnings: [] };
  let root: JsonObject = {};
  let unreadable = false;
  snapshot.files.forEach(({ file, text }, i) => {
    const source = readJsonSource(file, text);
    problems.push(...source.problems);
    if (source.value === undefined) {
      unreadable = true;
      return;
    }
    warnAboutNearMissSections(source.value as JsonObject, sectionNames, file, report);
    root =
      i === 0
        ? (source.value as JsonObject)
        : (mergeValue(root, source.value, [], [], file, provenance) as JsonObject);
  });
  const place = (raw: RawProblem) =>
    placeProblem(raw, raw.origin ?? provenance.originOf(locateRaw(root, raw.path)), locations);
  // Binding a half-parsed file would only add noise to the syntax errors.
  if (unreadable) throw new ConfigError(sortProblems(problems.map(place), files));

  const env = readEnvEntries(options.env ?? process.env, options.envPrefix ?? '', sectionNames, (name) =>
    closestName(name, sectionNames),
  );
  report.warnings.push(...env.problems);
  for (const entry of env.entries) setEnvValue(root, entry.keys, entry.value, entry.name, provenance);

  const sectionKey = findKey(root, IDENTITY_SERVER_SECTION);
  const section = (bind(
    sectionKey === undefined ? undefined : root[sectionKey],
    identityServerSectionSchema,
    [IDENTITY_SERVER_SECTION],
    report,
  ) ?? {}) as BoundIdentityServerSection;
  const list = (key: Exclude<keyof BoundIdentityServerSection, 'issuerUri'>): unknown[] => {
    const value = section[key];
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    problems.push({ path: [IDENTITY_SERVER_SECTION, key], rule: 'type', message: 'must be an array' });
    return [];
  };
  const clients = list('clients');
  const apiScopes = list('apiScopes');
  const apiResources = list('apiResources');
  let identityResources = list('identityResources');
  if (identityResources.length === 0 && options.defaultIdentityResources) {
    identityResources = [...options.defaultIdentityResources];
  }
  const issuerUri = checkIssuerUri(section.issuerUri, problems);

  const validation = validateDefinitions(
    { clients, apiScopes, apiResources, identityResources },
    { path: [IDENTITY_SERVER_SECTION] },
  );
  problems.push(...validation.issues.map((issue) => explainIssue(issue, section)));
  // Newer models check API secrets themselves; report each unhashed secret once either way.
  const reported = new Set(validation.issues.map((i) => `${i.rule} ${formatPath(i.path)}`));
  for (const problem of checkApiSecrets(apiResources)) {
    if (!reported.has(`${problem.rule} ${formatPath(problem.path)}`)) problems.push(problem);
  }

  const sections: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(sectionSchemas)) {
    const key = findKey(root, name);
    const bound = bind(key === undefined ? undefined : root[key], schema, [name], report);
    const result = schema.safeParse(bound);
    if (result.success) sections[name] = result.data;
    else {
      for (const issue of result.error.issues) {
        const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
        problems.push({
          path: [name, ...path],
          ...sectionRule(issue, valueAt(bound, path)),
        });
      }
    }
  }

  const warnings = sortProblems(report.warnings.map(place), files);
  if (problems.length > 0) throw new ConfigError(sortProblems(problems.map(place), files), warnings);
  const definitions = validation.definitions!;
  return {
    issuerUri,
    clients: definitions.clients,
    identityResources: definitions.identityResources,
    apiScopes: definitions.apiScopes,
    apiResources: definitions.apiResources,
    sections: sections as LoadedSections<S>,
    warnings,
    files,
  };
}

/** A top-level key that is one typo away from a section we read (`IdentityServr`) would otherwise do nothing. */
function warnAboutNearMissSections(
  value: JsonObject,
  sectionNames: readonly string[],
  file: string,
  report: BindReport,
): void {
  for (const key of Object.keys(value)) {
    if (sectionNames.some((s) => s.toLowerCase() === key.toLowerCase())) continue;
    const suggestion = closestName(key, sectionNames);
    if (!suggestion) continue;
    report.warnings.push({
      path: [key],
      rule: 'unknown-section',
      message: `the section '${key}' is not read; did you mean '${suggestion}'?`,
      suggestion,
      origin: { kind: 'file', file, path: [key] },
    });
  }
}

const HASH_HELP =
  'IdentityServer stores only the Base64 SHA-256 (or SHA-512) hash of a shared secret. Store the output of ' +
  '`idsrv hash-secret <secret>` as the Value, or, for development only, add "Plain": true to the secret to have ' +
  'it hashed at load';

/** The model's messages name the rule; a configuration file's author also needs to be told how to fix it. */
function explainIssue(issue: ValidationIssue, section: BoundIdentityServerSection): RawProblem {
  const problem: RawProblem = { path: issue.path, rule: issue.rule, message: issue.message };
  if (issue.rule === 'secret-not-hashed') {
    // Never repeat the value: it is a secret.
    problem.message = `the secret is not hashed. ${HASH_HELP}`;
    return problem;
  }
  const inSection = issue.path.slice(1);
  const values = issue.rule === 'type' ? enumValuesAt(identityServerSectionSchema, inSection) : undefined;
  const given = valueAt(section, inSection);
  if (values && (typeof given === 'string' || typeof given === 'number')) {
    const numbers = ENUM_NUMBERS[inSection.at(-1) as keyof typeof ENUM_NUMBERS] as
      | readonly unknown[]
      | undefined;
    const numbered = numbers
      ? ` (or ${numbers.flatMap((v, i) => (v === undefined ? [] : [i])).join(', ')})`
      : '';
    const suggestion = typeof given === 'string' ? closestName(given, values) : undefined;
    problem.message =
      `'${given}' is not one of ${values.join(', ')}${numbered}` +
      (suggestion ? `; did you mean '${suggestion}'?` : '');
    if (suggestion) problem.suggestion = suggestion;
  }
  return problem;
}

/**
 * The model does not check API secrets, but the introspection endpoint verifies them exactly like client secrets:
 * a plain-text value would never match, so refuse it here as for clients.
 */
function checkApiSecrets(apiResources: unknown[]): RawProblem[] {
  const problems: RawProblem[] = [];
  apiResources.forEach((resource, i) => {
    const secrets = (resource as { apiSecrets?: unknown } | undefined)?.apiSecrets;
    if (!Array.isArray(secrets)) return;
    secrets.forEach((secret: { value?: unknown; type?: unknown } | undefined, j) => {
      if (typeof secret?.value !== 'string' || secret.value === '') return;
      if ((secret.type ?? 'SharedSecret') !== 'SharedSecret' || isHashedSecret(secret.value)) return;
      problems.push({
        path: [IDENTITY_SERVER_SECTION, 'apiResources', i, 'apiSecrets', j, 'value'],
        rule: 'secret-not-hashed',
        message: `the secret is not hashed. ${HASH_HELP}`,
      });
    });
  });
  return problems;
}

// The same test as the model's client rule: Base64 of 32 (SHA-256) or 64 (SHA-512) bytes.
function isHashedSecret(value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) return false;
  const bytes = Buffer.from(value, 'base64').length;
  return bytes === 32 || bytes === 64;
}

/** An issuer is an absolute http(s) URL without query or fragment (OpenID Connect Discovery §3); empty means unset. */
function checkIssuerUri(value: unknown, problems: RawProblem[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  const path = [IDENTITY_SERVER_SECTION, 'issuerUri'];
  if (typeof value !== 'string') {
    problems.push({ path, rule: 'type', message: 'must be a string' });
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    problems.push({
      path,
      rule: 'issuer-uri-invalid',
      message: `'${value}' is not a valid issuer: use an absolute https URL without query or fragment, or leave it empty to take the issuer from each request`,
    });
    return undefined;
  }
  return value;
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** A rule name for a zod issue in a caller's section, in the model's terms where they match. */
function sectionRule(issue: z.core.$ZodIssue, value: unknown): { rule: string; message: string } {
  if (issue.code === 'invalid_type' && value === undefined)
    return { rule: 'required', message: 'is required' };
  if (issue.code === 'custom') {
    const rule = (issue.params as { rule?: unknown } | undefined)?.rule;
    return { rule: typeof rule === 'string' ? rule : 'custom', message: issue.message };
  }
  return { rule: 'type', message: issue.message };
}
