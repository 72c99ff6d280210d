import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { configError, fixture, lineOf } from '../test/helpers.ts';
import { loadConfiguration } from './load.ts';

// What the server will pass: its own sections, as zod schemas in camelCase (keys bind case-insensitively).
const testUser = z.strictObject({
  subjectId: z.string().min(1),
  username: z.string().min(1),
  password: z.string().min(1),
  isActive: z.boolean().default(true),
  claims: z.array(z.strictObject({ type: z.string(), value: z.string() })).default([]),
});
const sections = {
  TestUsers: z.array(testUser).default([]),
  // `prefault` (not `default`) so that an absent section still gets the inner defaults.
  Server: z.strictObject({ port: z.number().int().min(0).max(65_535).default(5000) }).prefault({}),
};

describe('extra sections', () => {
  it('are bound with the same rules and returned typed', async () => {
    const config = await loadConfiguration({ file: fixture('sections'), env: {}, sections });

    expect(config.sections.TestUsers).toEqual([
      {
        subjectId: '1',
        username: 'alice',
        password: 'alice',
        isActive: true,
        claims: [{ type: 'name', value: 'Alice Smith' }],
      },
      { subjectId: '2', username: 'bob', password: 'bob', isActive: false, claims: [] },
    ]);
    expect(config.sections.Server).toEqual({ port: 5000 });
    expectTypeOf(config.sections.Server.port).toEqualTypeOf<number>();
    // Logging and AllowedHosts are somebody else's: no warning about them.
    expect(config.warnings).toEqual([]);
  });

  it('take environment variables', async () => {
    const config = await loadConfiguration({
      file: fixture('sections'),
      env: { Server__Port: '8080', TestUsers__1__Password: 'changed' },
      sections,
    });
    expect(config.sections.Server.port).toBe(8080);
    expect(config.sections.TestUsers[1]!.password).toBe('changed');
  });

  it('report their problems with file, line and path, and unknown keys as warnings', async () => {
    const file = fixture('sections');
    const error = await configError(
      loadConfiguration({
        file,
        env: { TestUsers__0__Password: '', TestUsers__1__Pasword: 'x', Server__Port: '70000' },
        sections,
      }),
    );
    expect(error.problems.map(({ path, rule, line, envVar }) => ({ path, rule, line, envVar }))).toEqual([
      { path: 'TestUsers[0].Password', rule: 'type', line: undefined, envVar: 'TestUsers__0__Password' },
      { path: 'Server.Port', rule: 'type', line: undefined, envVar: 'Server__Port' },
    ]);
    expect(error.warnings).toMatchObject([{ path: 'TestUsers[1].Pasword', suggestion: 'Password' }]);

    const fromFile = await configError(
      loadConfiguration({
        file,
        env: {},
        sections: { ...sections, TestUsers: z.array(testUser.extend({ email: z.string() })) },
      }),
    );
    expect(fromFile.problems).toMatchObject([
      { path: 'TestUsers[0].Email', rule: 'required', file, line: lineOf(file, '"SubjectId": "1"') - 1 },
      { path: 'TestUsers[1].Email', rule: 'required', file, line: lineOf(file, '"SubjectId": "2"') - 1 },
    ]);
  });

  it('an absent section binds as undefined, so its schema decides', async () => {
    const config = await loadConfiguration({
      file: fixture('local-dev'),
      env: {},
      sections: { ...sections, Extra: z.string().optional() },
    });
    expect(config.sections).toEqual({ TestUsers: [], Server: { port: 5000 }, Extra: undefined });
  });
});
