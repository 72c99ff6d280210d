import { createInteractions, type Interactions } from '@idsrv/interactions';
import type { IdsrvStore, LoginThrottle } from '@idsrv/model';
import { createTestUserStore, type TestUserInput, type TestUserStore } from '@idsrv/users';

/** The sign-in experience of the reference server: test users from configuration and idsrv's pages. */
export interface ServerInteractions {
  users: TestUserStore;
  interactions: Interactions;
}

/**
 * Test users (the `TestUsers` section; plain passwords allowed — development only) and the login, consent and logout
 * pages, over the server's store. A server without test users still serves the pages; nobody can sign in. The login
 * page counts failed sign-ins with `throttle` (the password grant's too, so both count against one limit).
 */
export function createServerInteractions(
  testUsers: readonly TestUserInput[],
  store: Pick<IdsrvStore, 'resources' | 'adapter'>,
  throttle: LoginThrottle,
): ServerInteractions {
  const users = createTestUserStore(testUsers);
  const interactions = createInteractions({
    users,
    resources: store.resources,
    adapter: store.adapter,
    throttle,
  });
  return { users, interactions };
}
