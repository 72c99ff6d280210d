import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UNSUPPORTED_PROPERTY_MESSAGES } from '../src/client-support.ts';
import { CLIENT_PROPERTIES, formatPath } from '../src/index.ts';

// The README's "Defaults" table is the statement of what idsrv does with each IdentityServer client property. These
// checks keep it complete and honest: every property once, a status for each, and test files that exist.

const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Row {
  identityServer: string;
  idsrv: string[];
  status: string;
  line: string;
}

function tableRows(): Row[] {
  const start = README.indexOf('\n## Defaults\n');
  const end = README.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(0);
  const section = README.slice(start, end);
  return section
    .split('\n')
    .filter(
      (line) => line.startsWith('| ') && !line.startsWith('| ---') && !line.startsWith('| IdentityServer'),
    )
    .map((line) => {
      const cells = line.split('|').map((c) => c.trim());
      // ['', IdentityServer, idsrv, default, status, '']
      expect(cells, line).toHaveLength(6);
      return {
        identityServer: cells[1]!,
        idsrv: [...cells[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
        status: cells[4]!,
        line,
      };
    });
}

describe('README property table', () => {
  const rows = tableRows();

  it('lists every property of CLIENT_PROPERTIES exactly once, under its IdentityServer name', () => {
    const listed = rows.flatMap((r) => r.idsrv);
    expect([...listed].sort()).toEqual([...CLIENT_PROPERTIES].sort());
    for (const row of rows) {
      expect(row.idsrv, row.line).toHaveLength(1);
      expect(row.identityServer, row.line).toBe(formatPath([row.idsrv[0]!], 'pascal'));
    }
  });

  it("gives every row a status — supported, rejected or not applicable — and no row says 'ignored'", () => {
    for (const row of rows) {
      expect(row.line).not.toMatch(/ignored/i);
      expect(row.status, row.line).toMatch(/\b(supported|rejected|not applicable)\b/);
      // "Not applicable" needs its reason.
      if (/^not applicable/.test(row.status)) expect(row.status, row.line).toMatch(/^not applicable: \S/);
    }
  });

  it('names a test for every supported or rejected property, and each named test file exists (rows marked verify excepted)', () => {
    for (const row of rows) {
      const files = [...row.status.matchAll(/`([^`]+\.test\.tsx?)`/g)].map((m) => m[1]!);
      if (/supported|rejected/.test(row.status)) expect(files.length, row.line).toBeGreaterThan(0);
      if (row.line.includes('<!-- verify -->')) continue;
      for (const file of files)
        expect(existsSync(`${REPOSITORY_ROOT}${file}`), `${file} (${row.line})`).toBe(true);
    }
  });

  it('quotes the exact message of every rule that refuses a property', () => {
    for (const message of Object.values(UNSUPPORTED_PROPERTY_MESSAGES)) expect(README).toContain(message);
  });
});
