import { relative } from 'node:path';
import { formatPath } from '@idsrv/model';
import type { Locations } from './locations.ts';
import type { Origin } from './raw.ts';

/**
 * One problem (or warning) found in the configuration: where it is, in the file and in the JSON, and which rule it
 * breaks.
 */
export interface ConfigProblem {
  /** Absolute path of the file the value came from; absent when it came from an environment variable. */
  file?: string;
  /** 1-based line in `file` where the value (or, for a missing property, its enclosing object) is written. */
  line?: number;
  /** 1-based column in `file`, beside `line`. */
  column?: number;
  /** The environment variable the value came from, e.g. `IdentityServer__Clients__0__Enabled`. */
  envVar?: string;
  /**
   * The JSON path in IdentityServer's PascalCase, with array positions as bound: `IdentityServer.Clients[1].RedirectUris`.
   */
  path: string;
  /**
   * A stable identifier of the rule broken: the model's rules (`redirect-uri-required`, `secret-not-hashed`, `type`,
   * `required` …) and the loader's own (`json-syntax`, `duplicate-key`, `unknown-property`, `secret-plain` …).
   */
  rule: string;
  /** What is wrong and, where it helps, what to do. Never contains a secret's value. */
  message: string;
  /** For `unknown-property`: the nearest known key, spelled as the file spells its keys. */
  suggestion?: string;
}

/** A problem before it is placed: its path in model terms and, when already known, where its value came from. */
export interface RawProblem {
  path: (string | number)[];
  rule: string;
  message: string;
  suggestion?: string;
  origin?: Origin;
}

/** Places a raw problem: formats its path and turns its origin into a file and line or an environment variable. */
export function placeProblem(raw: RawProblem, origin: Origin, locations: Locations): ConfigProblem {
  const problem: ConfigProblem = {
    path: formatPath(raw.path, 'pascal'),
    rule: raw.rule,
    message: raw.message,
  };
  if (raw.suggestion !== undefined) problem.suggestion = raw.suggestion;
  if (origin.kind === 'file') {
    problem.file = origin.file;
    const position = locations.position(origin);
    if (position) {
      problem.line = position.line;
      problem.column = position.column;
    }
  } else {
    problem.envVar = origin.name;
  }
  return problem;
}

/** Orders problems as a reader meets them: files in load order and by line, then environment variables. */
export function sortProblems(problems: ConfigProblem[], files: readonly string[]): ConfigProblem[] {
  const rank = (p: ConfigProblem) =>
    p.file !== undefined ? files.indexOf(p.file) : p.envVar !== undefined ? files.length : files.length + 1;
  return problems
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        rank(a.p) - rank(b.p) ||
        (a.p.line ?? 0) - (b.p.line ?? 0) ||
        (a.p.column ?? 0) - (b.p.column ?? 0) ||
        a.i - b.i,
    )
    .map(({ p }) => p);
}

/**
 * One line per problem, the way compilers print them: `appsettings.json:14:9 IdentityServer.Clients[1].RedirectUris:
 * No redirect URI configured. [redirect-uri-required]`. File names are relative to `cwd`.
 *
 * @param cwd the directory file names are made relative to. @default process.cwd()
 */
export function formatProblem(problem: ConfigProblem, cwd: string = process.cwd()): string {
  let where: string;
  if (problem.file !== undefined) {
    const name = relative(cwd, problem.file) || problem.file;
    where = problem.line !== undefined ? `${name}:${problem.line}:${problem.column ?? 1}` : name;
  } else if (problem.envVar !== undefined) {
    where = `env ${problem.envVar}`;
  } else {
    where = '(configuration)';
  }
  return `${where} ${problem.path}: ${problem.message} [${problem.rule}]`;
}
