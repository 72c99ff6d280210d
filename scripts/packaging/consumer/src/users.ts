// uses: @idsrv/users
// Test users from code and scrypt password hashes.
import assert from 'node:assert/strict';
import { createTestUserStore, hashPassword, verifyPassword } from '@idsrv/users';

const hash = await hashPassword('correct horse', { ln: 10 });
assert.ok(await verifyPassword('correct horse', hash));
assert.ok(!(await verifyPassword('wrong', hash)));

const users = createTestUserStore([{ subjectId: '1', username: 'alice', password: 'alice' }]);
assert.equal((await users.validateCredentials('alice', 'alice'))?.subjectId, '1');
assert.equal(await users.validateCredentials('alice', 'wrong'), undefined);
console.log('ok: users: password hashing and the test user store work from the tarball');
