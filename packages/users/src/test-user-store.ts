import { createHash, timingSafeEqual } from 'node:crypto';
import type { User, UserStore } from '@idsrv/model';
import { hashPassword, scryptParameters, verifyPassword } from './passwords.ts';
import { type TestUser, type TestUserInput, testUsersSectionSchema } from './test-user.ts';

/** What {@link createTestUserStore} returns. */
export interface TestUserStore extends UserStore {
  /** The users, without their passwords. */
  readonly users: readonly User[];
}

interface Entry {
  user: User;
  password?: string;
  passwordHash?: string;
}

const digest = (value: string) => createHash('sha256').update(value.normalize('NFC')).digest();

/**
 * A user store over a fixed list of test users (IdentityServer's `TestUserStore`), for development, demos and tests.
 * Users come from the `TestUsers` section of appsettings.json or from code. Plain-text passwords are accepted here,
 * and only here: a production user store keeps `passwordHash`es (scrypt) or delegates to an identity system.
 *
 * Passwords are compared in constant time (plain ones through their SHA-256 digests, hashed ones by scrypt), and an
 * unknown username costs as much as a known one, so timing does not reveal which usernames exist.
 *
 * @throws {import('zod').ZodError} when a user is invalid (no password, duplicate username or subject id…).
 * @example
 * const users = createTestUserStore([
 *   { subjectId: '1', username: 'alice', password: 'alice', claims: [{ type: 'name', value: 'Alice Smith' }] },
 * ]);
 * await users.validateCredentials('alice', 'alice'); // { subjectId: '1', username: 'alice', … }
 */
export function createTestUserStore(users: readonly TestUserInput[]): TestUserStore {
  const parsed: TestUser[] = testUsersSectionSchema.parse(users);
  const bySubject = new Map<string, Entry>();
  const byUsername = new Map<string, Entry>();
  for (const u of parsed) {
    const user: User = Object.freeze({
      subjectId: u.subjectId,
      username: u.username,
      isActive: u.isActive,
      claims: Object.freeze(u.claims.map((c) => Object.freeze({ type: c.type, value: c.value }))),
    });
    const entry: Entry = { user };
    if (u.password !== undefined) entry.password = u.password;
    if (u.passwordHash !== undefined) entry.passwordHash = u.passwordHash;
    bySubject.set(u.subjectId, entry);
    byUsername.set(u.username, entry);
  }
  // What an unknown username is checked against: a hash with the cost of the users' own hashes when any user has one
  // (so a miss costs what a hit costs), else a plain comparison.
  const firstHash = parsed.find((u) => u.passwordHash !== undefined)?.passwordHash;
  const anyHashed = firstHash !== undefined;
  let dummyHash: Promise<string> | undefined;
  const dummy = () => {
    dummyHash ??= hashPassword('idsrv-dummy-password', firstHash ? scryptParameters(firstHash) : undefined);
    return dummyHash;
  };

  const check = async (entry: Entry | undefined, password: string): Promise<boolean> => {
    if (entry?.passwordHash !== undefined) return verifyPassword(password, entry.passwordHash);
    if (entry?.password !== undefined) return timingSafeEqual(digest(password), digest(entry.password));
    if (anyHashed) await verifyPassword(password, await dummy());
    else timingSafeEqual(digest(password), digest('idsrv-dummy-password'));
    return false;
  };

  return {
    users: Object.freeze(parsed.map((u) => bySubject.get(u.subjectId)!.user)),
    findBySubjectId: async (subjectId) => bySubject.get(subjectId)?.user,
    findByUsername: async (username) => byUsername.get(username)?.user,
    async validateCredentials(username, password) {
      const entry = byUsername.get(username);
      const ok = await check(entry, password);
      return ok && entry?.user.isActive ? entry.user : undefined;
    },
  } satisfies UserStore & { users: readonly User[] };
}
