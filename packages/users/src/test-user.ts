import { z } from 'zod';
import { isPasswordHash } from './passwords.ts';

/** A claim of a test user, as written in configuration (`{ "Type": "name", "Value": "Alice Smith" }`). */
export const userClaimSchema = z.strictObject({
  type: z.string().min(1, 'a claim needs a type'),
  value: z.string(),
});

/**
 * One test user (IdentityServer's `TestUser`), camelCased; bound from the `TestUsers` section of appsettings.json
 * by `@idsrv/config-loader`. Give either `password` (plain text — test users only, for development) or
 * `passwordHash` (from `hashPassword` / `idsrv hash-password`), not both.
 */
export const testUserSchema = z
  .strictObject({
    /** The user's `sub`: stable and unique. */
    subjectId: z.string().min(1, 'a test user needs a SubjectId'),
    /** What the user types on the login page; compared exactly (case-sensitive). */
    username: z.string().min(1, 'a test user needs a Username'),
    /** The password in plain text. Development only: anyone who can read the file can sign in as the user. */
    password: z.string().min(1).optional(),
    /** A scrypt PHC string from `hashPassword` (`$scrypt$ln=17,r=8,p=1$…`). */
    passwordHash: z
      .string()
      .refine(isPasswordHash, { message: 'is not a scrypt hash from `idsrv hash-password`' })
      .optional(),
    /** @default true — an inactive user cannot sign in. */
    isActive: z.boolean().default(true),
    /** `name`, `email`, `website` …; identity resources decide which ones reach tokens and userinfo. */
    claims: z.array(userClaimSchema).default([]),
  })
  .superRefine((user, ctx) => {
    if ((user.password === undefined) === (user.passwordHash === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'give a test user either Password (development only) or PasswordHash, exactly one of them',
        params: { rule: 'password-required' },
      });
    }
  });

/** A test user as written in configuration or code. */
export type TestUserInput = z.input<typeof testUserSchema>;
/** A test user with its defaults applied. */
export type TestUser = z.output<typeof testUserSchema>;

/**
 * The `TestUsers` section: an array of test users with unique subject ids and usernames. Pass it to
 * `loadConfiguration({ sections: { TestUsers: testUsersSectionSchema } })`; an absent section is an empty list.
 */
export const testUsersSectionSchema = z
  .array(testUserSchema)
  .default([])
  .superRefine((users, ctx) => {
    for (const key of ['subjectId', 'username'] as const) {
      const seen = new Set<string>();
      users.forEach((user, i) => {
        if (seen.has(user[key])) {
          ctx.addIssue({
            code: 'custom',
            path: [i, key],
            message: `another test user already has ${key === 'subjectId' ? 'SubjectId' : 'Username'} '${user[key]}'`,
            params: { rule: 'duplicate-user' },
          });
        }
        seen.add(user[key]);
      });
    }
  });
