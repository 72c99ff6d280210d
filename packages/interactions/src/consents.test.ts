import { createMemoryStore } from '@idsrv/store-memory';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsentStore } from './consents.ts';

const store = createMemoryStore();
afterEach(() => {
  vi.useRealTimers();
});

describe('createConsentStore', () => {
  it('remembers a decision per client and subject, replaces it, and forgets it', async () => {
    const consents = createConsentStore(store.adapter);
    await consents.remember({ clientId: 'web', subjectId: '1', scopes: ['openid', 'api1'] }, undefined);
    expect(await consents.find('web', '1')).toEqual({
      clientId: 'web',
      subjectId: '1',
      scopes: ['openid', 'api1'],
    });
    expect(await consents.find('web', '2')).toBeUndefined();
    expect(await consents.find('other', '1')).toBeUndefined();
    await consents.remember({ clientId: 'web', subjectId: '1', scopes: ['openid'] }, undefined);
    expect((await consents.find('web', '1'))?.scopes).toEqual(['openid']);
    await consents.forget('web', '1');
    expect(await consents.find('web', '1')).toBeUndefined();
  });

  it('a decision with a ConsentLifetime is gone once it has passed', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const consents = createConsentStore(createMemoryStore().adapter);
    await consents.remember({ clientId: 'web', subjectId: '1', scopes: ['openid'] }, 60);
    vi.setSystemTime(new Date('2030-01-01T00:00:59Z'));
    expect(await consents.find('web', '1')).toBeDefined();
    vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
    expect(await consents.find('web', '1')).toBeUndefined();
  });
});
