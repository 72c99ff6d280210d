import { describe, expect, it } from 'vitest';
import { thenMaybe } from './maybe-promise.ts';

describe('thenMaybe', () => {
  it('answers a value that is already there synchronously, without a promise', () => {
    expect(thenMaybe(2, (n) => n * 3)).toBe(6);
  });

  it('waits for a promise, and passes its rejection on', async () => {
    const later = thenMaybe(Promise.resolve(2), (n) => n * 3);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe(6);
    await expect(thenMaybe(Promise.reject(new Error('store down')), () => 1)).rejects.toThrow('store down');
  });
});
