export {
  DEFAULT_SCRYPT_PARAMETERS,
  hashPassword,
  isPasswordHash,
  type ScryptParameters,
  scryptParameters,
  verifyPassword,
} from './passwords.ts';
export {
  type TestUser,
  type TestUserInput,
  testUserSchema,
  testUsersSectionSchema,
  userClaimSchema,
} from './test-user.ts';
export { createTestUserStore, type TestUserStore } from './test-user-store.ts';
