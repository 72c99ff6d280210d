import { describe, expect, it } from 'vitest';
import { hashPassword } from './passwords.ts';
import { testUsersSectionSchema } from './test-user.ts';
import { createTestUserStore } from './test-user-store.ts';

const alice = {
  subjectId: '1',
  username: 'alice',
  password: 'alice',
  claims: [
    { type: 'name', value: 'Alice Smith' },
    { type: 'email', value: 'alice@example.com' },
  ],
};

describe('createTestUserStore', () => {
  it('validateCredentials - the right password returns the user without its password', async () => {
    const store = createTestUserStore([alice]);
    const user = await store.validateCredentials('alice', 'alice');
    expect(user).toEqual({ subjectId: '1', username: 'alice', isActive: true, claims: alice.claims });
    expect(user).not.toHaveProperty('password');
  });

  it('validateCredentials - a wrong password, an unknown user and a wrong-case username are all undefined', async () => {
    const store = createTestUserStore([alice]);
    expect(await store.validateCredentials('alice', 'Alice')).toBeUndefined();
    expect(await store.validateCredentials('mallory', 'alice')).toBeUndefined();
    expect(await store.validateCredentials('Alice', 'alice')).toBeUndefined();
  });

  it('validateCredentials - an inactive user cannot sign in but can still be found', async () => {
    const store = createTestUserStore([{ ...alice, isActive: false }]);
    expect(await store.validateCredentials('alice', 'alice')).toBeUndefined();
    expect((await store.findByUsername('alice'))?.isActive).toBe(false);
  });

  it('validateCredentials - verifies scrypt password hashes', async () => {
    const passwordHash = await hashPassword('s3cret', { ln: 10 });
    const store = createTestUserStore([{ subjectId: '2', username: 'bob', passwordHash }]);
    expect((await store.validateCredentials('bob', 's3cret'))?.subjectId).toBe('2');
    expect(await store.validateCredentials('bob', 'bob')).toBeUndefined();
    // An unknown user is checked against a dummy hash, so the miss is no faster than a hit.
    expect(await store.validateCredentials('nobody', 's3cret')).toBeUndefined();
  });

  it('findBySubjectId / findByUsername - exact lookups', async () => {
    const store = createTestUserStore([alice]);
    expect((await store.findBySubjectId('1'))?.username).toBe('alice');
    expect(await store.findBySubjectId('2')).toBeUndefined();
    expect((await store.findByUsername('alice'))?.subjectId).toBe('1');
  });

  it('rejects a user with neither or both of Password and PasswordHash, and duplicate usernames', async () => {
    expect(() => createTestUserStore([{ subjectId: '1', username: 'a' }])).toThrow(/exactly one/);
    const passwordHash = await hashPassword('x', { ln: 10 });
    expect(() => createTestUserStore([{ ...alice, passwordHash }])).toThrow(/exactly one/);
    const result = testUsersSectionSchema.safeParse([alice, { ...alice, subjectId: '2' }]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([1, 'username']);
  });

  it('rejects a PasswordHash that is not a scrypt PHC string', () => {
    expect(() => createTestUserStore([{ subjectId: '1', username: 'a', passwordHash: 'alice' }])).toThrow(
      /scrypt hash/,
    );
  });
});
