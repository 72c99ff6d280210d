import { describe, expect } from 'vitest';
import { jsonZoo, OIDC_MODEL_NAMES, samplePayload } from './fixtures.ts';
import type { Harness } from './harness.ts';
import type { StoreUnderTest } from './types.ts';

/** Checks that `promise` rejected with idsrv's `AlreadyConsumedError` (by its stable code, not by class identity). */
async function expectAlreadyConsumed(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'AlreadyConsumedError', code: 'ERR_ALREADY_CONSUMED' });
}

/** Checks that `promise` rejected with idsrv's `RecordGoneError`: consuming what is not there must fail, not pass. */
async function expectRecordGone(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'RecordGoneError', code: 'ERR_RECORD_GONE' });
}

/** Tests of `OidcAdapter` and `OidcAdapterFactory` (`store.adapter`). */
export function adapterSuite<S extends StoreUnderTest>(h: Harness<S>): void {
  const { it, itIf, capabilities } = h;
  const inspector = capabilities.inspect;
  const noInspector = 'the store has no inspect capability (second path)';

  describe('adapter', () => {
    describe('round trip of every oidc-provider model', () => {
      for (const modelName of OIDC_MODEL_NAMES) {
        it(`upsert/find - ${modelName}: the payload comes back equal, as a copy`, async ({ store }) => {
          const adapter = store.adapter(modelName);
          const payload = samplePayload(modelName, `${modelName}-1`);
          // Kept before anything can change it; a second samplePayload() could fall in the next second (iat/exp).
          const expected = structuredClone(payload);
          await adapter.upsert(`${modelName}-1`, payload, 600);

          const found = await adapter.find(`${modelName}-1`);
          expect(found).toEqual(payload);
          expect(found).not.toBe(payload);

          // Neither the caller's object nor the returned one is the stored record.
          (payload as Record<string, unknown>)['injected'] = 'after upsert';
          (found as Record<string, unknown>)['kind'] = 'mutated';
          const again = await adapter.find(`${modelName}-1`);
          expect(again).toEqual(expected);
        });
      }
    });

    it('upsert/find - JSON values of every kind survive the round trip', async ({ store }) => {
      const adapter = store.adapter('Interaction');
      await adapter.upsert('zoo', jsonZoo(), 60);
      expect(await adapter.find('zoo')).toEqual(jsonZoo());
    });

    it('upsert/find - nested values are copied, not shared', async ({ store }) => {
      const adapter = store.adapter('Session');
      const payload = samplePayload('Session', 's1');
      const expected = structuredClone(payload);
      await adapter.upsert('s1', payload, 60);
      (payload['amr'] as string[]).push('added-by-caller');
      const found = await adapter.find('s1');
      (found!['authorizations'] as Record<string, unknown>)['web.client'] = 'mutated';
      expect(await adapter.find('s1')).toEqual(expected);
    });

    it('find - an unknown id resolves undefined', async ({ store }) => {
      expect(await store.adapter('AccessToken').find('never-stored')).toBeUndefined();
    });

    it('upsert - a second upsert of the same id replaces the record, not merges it', async ({ store }) => {
      const adapter = store.adapter('Interaction');
      await adapter.upsert('i1', { jti: 'i1', first: true, shared: 1 }, 60);
      await adapter.upsert('i1', { jti: 'i1', second: true, shared: 2 }, 60);
      expect(await adapter.find('i1')).toEqual({ jti: 'i1', second: true, shared: 2 });
    });

    it('adapter factory - two adapters of one model name share records', async ({ store }) => {
      const payload = samplePayload('Grant', 'g1');
      await store.adapter('Grant').upsert('g1', payload, 60);
      expect(await store.adapter('Grant').find('g1')).toEqual(payload);
    });

    describe('model names', () => {
      it('model names - the same id under two model names is two records', async ({ store }) => {
        const codes = store.adapter('AuthorizationCode');
        const tokens = store.adapter('AccessToken');
        await codes.upsert('same-id', { kind: 'AuthorizationCode', grantId: 'g' }, 60);
        await tokens.upsert('same-id', { kind: 'AccessToken', grantId: 'g' }, 60);

        await codes.consume('same-id');
        expect((await tokens.find('same-id'))?.consumed).toBeUndefined();
        await tokens.consume('same-id');

        await codes.destroy('same-id');
        expect(await codes.find('same-id')).toBeUndefined();
        expect(await tokens.find('same-id')).toMatchObject({ kind: 'AccessToken' });
      });

      it('model names - findByUid, findByUserCode and revokeByGrantId stay within their model', async ({
        store,
      }) => {
        await store.adapter('Session').upsert('s1', { uid: 'u1', userCode: 'UC-1', grantId: 'g1' }, 60);
        expect(await store.adapter('Interaction').findByUid('u1')).toBeUndefined();
        expect(await store.adapter('Interaction').findByUserCode('UC-1')).toBeUndefined();
        await store.adapter('AccessToken').revokeByGrantId('g1');
        expect(await store.adapter('Session').find('s1')).toBeDefined();
      });
    });

    describe('indexes', () => {
      it('findByUid - finds the Session by its uid', async ({ store }) => {
        const sessions = store.adapter('Session');
        const payload = samplePayload('Session', 's1');
        await sessions.upsert('s1', payload, 60);
        await sessions.upsert('s2', samplePayload('Session', 's2'), 60);
        expect(await sessions.findByUid('uid-of-s1')).toEqual(payload);
        expect(await sessions.findByUid('unknown-uid')).toBeUndefined();
      });

      it('findByUserCode - finds the DeviceCode by its user code', async ({ store }) => {
        const deviceCodes = store.adapter('DeviceCode');
        const payload = samplePayload('DeviceCode', 'd1');
        await deviceCodes.upsert('d1', payload, 60);
        await deviceCodes.upsert('d2', samplePayload('DeviceCode', 'd2'), 60);
        expect(await deviceCodes.findByUserCode('user-code-of-d1')).toEqual(payload);
        expect(await deviceCodes.findByUserCode('UNKNOWN-CODE')).toBeUndefined();
      });

      it('findByUid/findByUserCode - return copies', async ({ store }) => {
        const sessions = store.adapter('Session');
        await sessions.upsert('s1', { uid: 'u1', accountId: 'alice' }, 60);
        const found = await sessions.findByUid('u1');
        found!['accountId'] = 'mallory';
        expect(await sessions.findByUid('u1')).toEqual({ uid: 'u1', accountId: 'alice' });

        const deviceCodes = store.adapter('DeviceCode');
        await deviceCodes.upsert('d1', { userCode: 'UC-1', accountId: 'alice' }, 60);
        const code = await deviceCodes.findByUserCode('UC-1');
        code!['accountId'] = 'mallory';
        expect(await deviceCodes.findByUserCode('UC-1')).toEqual({ userCode: 'UC-1', accountId: 'alice' });
      });

      it('upsert - replacing a record moves its uid, userCode and grantId index entries', async ({
        store,
      }) => {
        const sessions = store.adapter('Session');
        await sessions.upsert('s1', { uid: 'u-old' }, 60);
        await sessions.upsert('s1', { uid: 'u-new' }, 60);
        expect(await sessions.findByUid('u-old')).toBeUndefined();
        expect(await sessions.findByUid('u-new')).toEqual({ uid: 'u-new' });
        await sessions.upsert('s1', { accountId: 'no uid any more' }, 60);
        expect(await sessions.findByUid('u-new')).toBeUndefined();

        const deviceCodes = store.adapter('DeviceCode');
        await deviceCodes.upsert('d1', { userCode: 'OLD-CODE' }, 60);
        await deviceCodes.upsert('d1', { userCode: 'NEW-CODE' }, 60);
        expect(await deviceCodes.findByUserCode('OLD-CODE')).toBeUndefined();
        expect(await deviceCodes.findByUserCode('NEW-CODE')).toEqual({ userCode: 'NEW-CODE' });

        const tokens = store.adapter('AccessToken');
        await tokens.upsert('t1', { grantId: 'g-old' }, 60);
        await tokens.upsert('t1', { grantId: 'g-new' }, 60);
        await tokens.revokeByGrantId('g-old');
        expect(await tokens.find('t1')).toEqual({ grantId: 'g-new' });
        await tokens.revokeByGrantId('g-new');
        expect(await tokens.find('t1')).toBeUndefined();
      });
    });

    describe('destroy', () => {
      it('destroy - removes the record and its uid, userCode and grantId index entries', async ({
        store,
      }) => {
        const sessions = store.adapter('Session');
        await sessions.upsert('s1', { uid: 'u1', grantId: 'g1' }, 60);
        const deviceCodes = store.adapter('DeviceCode');
        await deviceCodes.upsert('d1', { userCode: 'UC-1', grantId: 'g1' }, 60);

        await sessions.destroy('s1');
        await deviceCodes.destroy('d1');
        expect(await sessions.find('s1')).toBeUndefined();
        expect(await sessions.findByUid('u1')).toBeUndefined();
        expect(await deviceCodes.find('d1')).toBeUndefined();
        expect(await deviceCodes.findByUserCode('UC-1')).toBeUndefined();

        // A new record under the old id, in no grant, must not be revoked through a leftover index entry.
        await deviceCodes.upsert('d1', { userCode: 'UC-2' }, 60);
        await deviceCodes.revokeByGrantId('g1');
        expect(await deviceCodes.find('d1')).toEqual({ userCode: 'UC-2' });
      });

      it('destroy - an unknown id resolves and changes nothing', async ({ store }) => {
        const tokens = store.adapter('AccessToken');
        await tokens.upsert('t1', { grantId: 'g1' }, 60);
        await tokens.destroy('never-stored');
        await tokens.destroy('t1');
        await tokens.destroy('t1');
        expect(await tokens.find('t1')).toBeUndefined();
      });
    });

    describe('revokeByGrantId', () => {
      it('revokeByGrantId - removes every record of the model with that grantId and leaves the others', async ({
        store,
      }) => {
        const tokens = store.adapter('AccessToken');
        for (const id of ['a', 'b', 'c']) await tokens.upsert(id, { grantId: 'g1', jti: id }, 60);
        await tokens.upsert('other-grant', { grantId: 'g2' }, 60);
        await tokens.upsert('no-grant', { jti: 'no-grant' }, 60);
        await tokens.upsert('no-expiry', { grantId: 'g1' });

        await tokens.revokeByGrantId('g1');
        for (const id of ['a', 'b', 'c', 'no-expiry']) expect(await tokens.find(id)).toBeUndefined();
        expect(await tokens.find('other-grant')).toEqual({ grantId: 'g2' });
        expect(await tokens.find('no-grant')).toEqual({ jti: 'no-grant' });
      });

      it('revokeByGrantId - leaves records of other model names with the same grantId', async ({ store }) => {
        await store.adapter('AccessToken').upsert('t1', { grantId: 'g1' }, 60);
        await store.adapter('RefreshToken').upsert('r1', { grantId: 'g1' }, 60);
        await store.adapter('AuthorizationCode').upsert('c1', { grantId: 'g1' }, 60);

        await store.adapter('AccessToken').revokeByGrantId('g1');
        expect(await store.adapter('AccessToken').find('t1')).toBeUndefined();
        expect(await store.adapter('RefreshToken').find('r1')).toEqual({ grantId: 'g1' });
        expect(await store.adapter('AuthorizationCode').find('c1')).toEqual({ grantId: 'g1' });
      });

      it('revokeByGrantId - also removes the uid and userCode index entries of what it revokes', async ({
        store,
      }) => {
        const deviceCodes = store.adapter('DeviceCode');
        await deviceCodes.upsert('d1', { grantId: 'g1', userCode: 'UC-1', uid: 'u1' }, 60);
        await deviceCodes.revokeByGrantId('g1');
        expect(await deviceCodes.findByUserCode('UC-1')).toBeUndefined();
        expect(await deviceCodes.findByUid('u1')).toBeUndefined();
      });

      it('revokeByGrantId - an unknown grantId resolves, and revoking twice is harmless', async ({
        store,
      }) => {
        const codes = store.adapter('AuthorizationCode');
        await codes.upsert('c1', { grantId: 'g1' }, 60);
        await codes.revokeByGrantId('unknown-grant');
        expect(await codes.find('c1')).toBeDefined();
        await codes.revokeByGrantId('g1');
        await codes.revokeByGrantId('g1');
        expect(await codes.find('c1')).toBeUndefined();
      });
    });

    describe('consume', () => {
      it('consume - marks the record consumed at the current time, in seconds, and keeps it', async ({
        store,
      }) => {
        const codes = store.adapter('AuthorizationCode');
        const payload = samplePayload('AuthorizationCode', 'c1');
        await codes.upsert('c1', payload, 60);
        const before = Math.floor(h.now() / 1000);
        await codes.consume('c1');
        const after = Math.ceil(h.now() / 1000);

        const found = await codes.find('c1');
        expect(found).toEqual({ ...payload, consumed: expect.any(Number) });
        expect(Number.isInteger(found!.consumed)).toBe(true);
        expect(found!.consumed).toBeGreaterThanOrEqual(before);
        expect(found!.consumed).toBeLessThanOrEqual(after);
      });

      it('consume - a second redemption of the same code fails with AlreadyConsumedError', async ({
        store,
      }) => {
        const codes = store.adapter('AuthorizationCode');
        await codes.upsert('c1', samplePayload('AuthorizationCode', 'c1'), 60);
        await codes.consume('c1');
        const first = (await codes.find('c1'))!.consumed;
        await expectAlreadyConsumed(codes.consume('c1'));
        // The failed redemption does not move the consumption time.
        expect((await codes.find('c1'))!.consumed).toBe(first);
      });

      it('consume - of 50 concurrent redemptions of one code exactly one succeeds', async ({ store }) => {
        const tokens = store.adapter('RefreshToken');
        await tokens.upsert('r1', samplePayload('RefreshToken', 'r1'), 60);
        const results = await Promise.allSettled(Array.from({ length: 50 }, () => tokens.consume('r1')));

        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(rejected).toHaveLength(49);
        for (const { reason } of rejected) expect(reason).toMatchObject({ code: 'ERR_ALREADY_CONSUMED' });
      });

      it('consume - concurrent redemptions of different codes all succeed', async ({ store }) => {
        const codes = store.adapter('DeviceCode');
        const ids = Array.from({ length: 20 }, (_, i) => `d${i}`);
        for (const id of ids) await codes.upsert(id, { userCode: `UC-${id}` }, 60);
        await Promise.all(ids.map((id) => codes.consume(id)));
        for (const id of ids) expect((await codes.find(id))!.consumed).toEqual(expect.any(Number));
      });

      it('consume - a record stored with consumed already set cannot be consumed', async ({ store }) => {
        const codes = store.adapter('AuthorizationCode');
        await codes.upsert('c1', { grantId: 'g1', consumed: 1_700_000_000 }, 60);
        await expectAlreadyConsumed(codes.consume('c1'));
        expect(await codes.find('c1')).toEqual({ grantId: 'g1', consumed: 1_700_000_000 });
      });

      it('consume - an unknown id rejects with RecordGoneError and creates no record', async ({ store }) => {
        const codes = store.adapter('AuthorizationCode');
        await expectRecordGone(codes.consume('never-stored'));
        expect(await codes.find('never-stored')).toBeUndefined();
        // Nothing was stored, so a later record with that id starts unconsumed.
        await codes.upsert('never-stored', { grantId: 'g1' }, 60);
        await codes.consume('never-stored');
      });

      it('consume - a destroyed or revoked record is gone, not consumable: a redemption racing a revocation fails', async ({
        store,
      }) => {
        const codes = store.adapter('AuthorizationCode');
        await codes.upsert('c1', { grantId: 'g1' }, 60);
        await codes.upsert('c2', { grantId: 'g2' }, 60);
        await codes.destroy('c1');
        await codes.revokeByGrantId('g2');
        await expectRecordGone(codes.consume('c1'));
        await expectRecordGone(codes.consume('c2'));
        expect(await codes.find('c1')).toBeUndefined();
        expect(await codes.find('c2')).toBeUndefined();
      });
    });

    describe('insert', () => {
      it('insert - stores a marker the first time and resolves true; find returns it as a copy', async ({
        store,
      }) => {
        const markers = store.adapter('ReplayDetection');
        const payload = samplePayload('ReplayDetection', 'm1');
        expect(await markers.insert('m1', payload, 60)).toBe(true);
        const found = await markers.find('m1');
        expect(found).toEqual(payload);
        found!.iss = 'changed';
        expect(await markers.find('m1')).toEqual(payload);
      });

      it('insert - a second insert of the same id resolves false and leaves the first record as it was', async ({
        store,
      }) => {
        const markers = store.adapter('ReplayDetection');
        expect(await markers.insert('m1', { iss: 'first' }, 60)).toBe(true);
        expect(await markers.insert('m1', { iss: 'second' }, 60)).toBe(false);
        expect(await markers.find('m1')).toEqual({ iss: 'first' });
      });

      it('insert - an id that upsert already stored is taken', async ({ store }) => {
        const markers = store.adapter('ReplayDetection');
        await markers.upsert('m1', { iss: 'upserted' }, 60);
        expect(await markers.insert('m1', { iss: 'inserted' }, 60)).toBe(false);
        expect(await markers.find('m1')).toEqual({ iss: 'upserted' });
      });

      it('insert - of 50 concurrent inserts of one id exactly one resolves true', async ({ store }) => {
        const markers = store.adapter('ReplayDetection');
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => markers.insert('m1', { iss: `caller-${i}` }, 60)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        // The record is the winner's.
        const winner = results.indexOf(true);
        expect(await markers.find('m1')).toEqual({ iss: `caller-${winner}` });
      });

      it('insert - the same id under another model name is another record', async ({ store }) => {
        expect(await store.adapter('ReplayDetection').insert('m1', { iss: 'a' }, 60)).toBe(true);
        expect(await store.adapter('Interaction').insert('m1', { iss: 'b' }, 60)).toBe(true);
      });

      it('insert - refuses, with a TypeError and storing nothing, an index field or a lifetime that is not positive', async ({
        store,
      }) => {
        const markers = store.adapter('ReplayDetection');
        for (const payload of [{ grantId: 'g1' }, { uid: 'u1' }, { userCode: 'UC-1' }]) {
          await expect(markers.insert('m1', payload, 60)).rejects.toBeInstanceOf(TypeError);
        }
        for (const expiresIn of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, undefined]) {
          await expect(markers.insert('m1', {}, expiresIn as unknown as number)).rejects.toBeInstanceOf(
            TypeError,
          );
        }
        expect(await markers.find('m1')).toBeUndefined();
      });
    });

    describe('expiry', () => {
      it(
        'upsert - expiresIn is a lifetime in seconds: the record is found until then, and gone after',
        async ({ store }) => {
          const tokens = store.adapter('AccessToken');
          await tokens.upsert('short', { grantId: 'g1' }, 1);
          await tokens.upsert('long', { grantId: 'g1' }, 60);
          expect(await tokens.find('short')).toEqual({ grantId: 'g1' });

          await h.afterLifetime(1, async () => {
            expect(await tokens.find('short')).toBeUndefined();
          });
          expect(await tokens.find('long')).toEqual({ grantId: 'g1' });
        },
        h.expiryTimeout(1),
      );

      it(
        'upsert - without expiresIn, or with 0, the record does not expire',
        async ({ store }) => {
          const grants = store.adapter('Grant');
          await grants.upsert('forever', { accountId: 'alice' });
          await grants.upsert('zero', { accountId: 'bob' }, 0);
          await grants.upsert('short', { accountId: 'carol' }, 1);

          await h.afterLifetime(1, async () => {
            expect(await grants.find('short')).toBeUndefined();
          });
          expect(await grants.find('forever')).toEqual({ accountId: 'alice' });
          expect(await grants.find('zero')).toEqual({ accountId: 'bob' });
        },
        h.expiryTimeout(1),
      );

      it(
        'upsert - replacing a record gives it the new lifetime',
        async ({ store }) => {
          const sessions = store.adapter('Session');
          await sessions.upsert('extended', { uid: 'u1' }, 1);
          await sessions.upsert('extended', { uid: 'u1' }, 60);
          await sessions.upsert('shortened', { uid: 'u2' }, 60);
          await sessions.upsert('shortened', { uid: 'u2' }, 1);
          await sessions.upsert('unlimited', { uid: 'u3' }, 1);
          await sessions.upsert('unlimited', { uid: 'u3' });

          await h.afterLifetime(1, async () => {
            expect(await sessions.find('shortened')).toBeUndefined();
          });
          expect(await sessions.find('extended')).toEqual({ uid: 'u1' });
          expect(await sessions.findByUid('u1')).toEqual({ uid: 'u1' });
          expect(await sessions.find('unlimited')).toEqual({ uid: 'u3' });
        },
        h.expiryTimeout(1),
      );

      it(
        'expiry - an expired record is gone from find, findByUid, findByUserCode and consume',
        async ({ store }) => {
          const sessions = store.adapter('Session');
          const deviceCodes = store.adapter('DeviceCode');
          await sessions.upsert('s1', { uid: 'u1' }, 1);
          await deviceCodes.upsert('d1', { userCode: 'UC-1' }, 1);

          await h.afterLifetime(1, async () => {
            expect(await sessions.find('s1')).toBeUndefined();
            expect(await deviceCodes.find('d1')).toBeUndefined();
          });
          expect(await sessions.findByUid('u1')).toBeUndefined();
          expect(await deviceCodes.findByUserCode('UC-1')).toBeUndefined();
          await expectRecordGone(deviceCodes.consume('d1'));
          expect(await deviceCodes.find('d1')).toBeUndefined();
        },
        h.expiryTimeout(1),
      );

      it(
        'expiry - index entries do not outlive the record they index',
        async ({ store }) => {
          const sessions = store.adapter('Session');
          const deviceCodes = store.adapter('DeviceCode');
          const tokens = store.adapter('AccessToken');
          await sessions.upsert('s-old', { uid: 'u1' }, 1);
          await deviceCodes.upsert('d-old', { userCode: 'UC-1' }, 1);
          await tokens.upsert('t1', { grantId: 'g1' }, 1);

          await h.afterLifetime(1, async () => {
            expect(await tokens.find('t1')).toBeUndefined();
          });
          // New records reuse the uid, the user code and the id: lookups find them, not leftovers of the old ones.
          await sessions.upsert('s-new', { uid: 'u1' }, 60);
          await deviceCodes.upsert('d-new', { userCode: 'UC-1' }, 60);
          await tokens.upsert('t1', { jti: 't1' }, 60);
          expect(await sessions.findByUid('u1')).toEqual({ uid: 'u1' });
          expect(await sessions.find('s-old')).toBeUndefined();
          expect(await deviceCodes.findByUserCode('UC-1')).toEqual({ userCode: 'UC-1' });
          await tokens.revokeByGrantId('g1');
          expect(await tokens.find('t1')).toEqual({ jti: 't1' });
        },
        h.expiryTimeout(1),
      );

      it(
        'insert - the marker expires after expiresIn seconds, and the id can then be inserted again',
        async ({ store }) => {
          const markers = store.adapter('ReplayDetection');
          expect(await markers.insert('m1', { iss: 'first' }, 1)).toBe(true);
          await h.afterLifetime(1, async () => {
            expect(await markers.find('m1')).toBeUndefined();
          });
          expect(await markers.insert('m1', { iss: 'again' }, 60)).toBe(true);
          expect(await markers.find('m1')).toEqual({ iss: 'again' });
        },
        h.expiryTimeout(1),
      );

      it(
        'consume - keeps the record lifetime: a consumed record still expires',
        async ({ store }) => {
          const codes = store.adapter('AuthorizationCode');
          await codes.upsert('c1', { grantId: 'g1' }, 1);
          await codes.consume('c1');
          expect((await codes.find('c1'))?.consumed).toEqual(expect.any(Number));
          await h.afterLifetime(1, async () => {
            expect(await codes.find('c1')).toBeUndefined();
          });
        },
        h.expiryTimeout(1),
      );
    });

    describe('second path', () => {
      itIf(inspector?.ttl !== undefined, 'the store has no inspect.ttl capability')(
        'second path - the backend holds each record with the lifetime upsert gave it, through consume',
        async ({ store }) => {
          const ttl = (modelName: string, id: string) => inspector!.ttl!(store, modelName, id);
          await store.adapter('AuthorizationCode').upsert('c1', { grantId: 'g1' }, 60);
          await store.adapter('Grant').upsert('g1', { accountId: 'alice' });

          expect(await ttl('AuthorizationCode', 'c1')).toBeGreaterThan(55);
          expect(await ttl('AuthorizationCode', 'c1')).toBeLessThanOrEqual(60);
          expect(await ttl('Grant', 'g1')).toBeUndefined();
          expect(await ttl('AuthorizationCode', 'never-stored')).toBeNull();
          await store.adapter('ReplayDetection').insert('m1', {}, 60);
          expect(await ttl('ReplayDetection', 'm1')).toBeGreaterThan(55);
          expect(await ttl('ReplayDetection', 'm1')).toBeLessThanOrEqual(60);

          // Consuming rewrites the record; it must not drop or reset the lifetime.
          await store.adapter('AuthorizationCode').consume('c1');
          expect(await ttl('AuthorizationCode', 'c1')).toBeGreaterThan(55);
          expect(await ttl('AuthorizationCode', 'c1')).toBeLessThanOrEqual(60);
        },
      );

      itIf(inspector !== undefined, noInspector)(
        'second path - nothing is left in the backend once every record is destroyed, revoked or expired',
        async ({ store }) => {
          const count = () => inspector!.countAdapterKeys(store);
          expect(await count()).toBe(0);

          const sessions = store.adapter('Session');
          const deviceCodes = store.adapter('DeviceCode');
          const tokens = store.adapter('AccessToken');
          await sessions.upsert('s1', { uid: 'u1', grantId: 'g1' }, 60);
          await deviceCodes.upsert('d1', { userCode: 'UC-1', grantId: 'g1' }, 60);
          await deviceCodes.upsert('d2', { userCode: 'UC-2', grantId: 'g2' }, 1);
          await tokens.upsert('t1', { grantId: 'g1' }, 60);
          await tokens.upsert('t2', { grantId: 'g2' }, 1);
          await tokens.upsert('t3', { grantId: 'g3' });
          await tokens.consume('t1');
          await store.adapter('ReplayDetection').insert('m1', {}, 1);
          expect(await count()).toBeGreaterThanOrEqual(7);

          await sessions.destroy('s1');
          await deviceCodes.revokeByGrantId('g1');
          await tokens.revokeByGrantId('g1');
          await tokens.destroy('t3');
          await h.afterLifetime(1, async () => {
            expect(await count()).toBe(0);
          });
        },
        h.expiryTimeout(1),
      );
    });

    describe('shared backend', () => {
      const noConnect = 'the store has no connect capability (its state is private to one instance)';

      itIf(capabilities.connect !== undefined, noConnect)(
        'shared backend - a second instance sees the records and indexes the first one wrote',
        async ({ store, connect }) => {
          const second = await connect(store);
          await store.adapter('Session').upsert('s1', { uid: 'u1', grantId: 'g1' }, 60);
          expect(await second.adapter('Session').find('s1')).toEqual({ uid: 'u1', grantId: 'g1' });
          expect(await second.adapter('Session').findByUid('u1')).toEqual({ uid: 'u1', grantId: 'g1' });
          await second.adapter('Session').revokeByGrantId('g1');
          expect(await store.adapter('Session').find('s1')).toBeUndefined();
        },
      );

      itIf(capabilities.connect !== undefined, noConnect)(
        'shared backend - of 50 concurrent inserts of one id split across two instances exactly one resolves true',
        async ({ store, connect }) => {
          const second = await connect(store);
          const adapters = [store.adapter('ReplayDetection'), second.adapter('ReplayDetection')];
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) => adapters[i % 2]!.insert('m1', { iss: `caller-${i}` }, 60)),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
        },
      );

      itIf(capabilities.connect !== undefined, noConnect)(
        'shared backend - of 50 concurrent redemptions split across two instances exactly one succeeds',
        async ({ store, connect }) => {
          const second = await connect(store);
          await store.adapter('AuthorizationCode').upsert('c1', { grantId: 'g1' }, 60);
          const adapters = [store.adapter('AuthorizationCode'), second.adapter('AuthorizationCode')];
          const results = await Promise.allSettled(
            Array.from({ length: 50 }, (_, i) => adapters[i % 2]!.consume('c1')),
          );
          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          for (const r of results) {
            if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ERR_ALREADY_CONSUMED' });
          }
        },
      );
    });
  });
}
