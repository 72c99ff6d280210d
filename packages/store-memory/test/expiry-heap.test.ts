import { describe, expect, it } from 'vitest';
import { ExpiryHeap, type HeapItem } from '../src/expiry-heap.ts';

interface Item extends HeapItem {
  name: number;
}

// A small deterministic generator: a failing sequence can be replayed.
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const order = (a: Item, b: Item) => a.expiresAt - b.expiresAt || a.seq - b.seq;

describe('ExpiryHeap', () => {
  it('heap - pops in expiry order, then write order, through random pushes, removals and re-keys', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const next = random(seed);
      const heap = new ExpiryHeap<Item>();
      const live = new Set<Item>();
      let seq = 0;
      for (let step = 0; step < 2000; step++) {
        const roll = next();
        const items = [...live];
        if (roll < 0.5 || items.length === 0) {
          const expiresAt = next() < 0.2 ? Number.POSITIVE_INFINITY : Math.floor(next() * 100);
          const item: Item = { name: step, expiresAt, seq: seq++, heapIndex: -1 };
          heap.push(item);
          live.add(item);
        } else if (roll < 0.75) {
          const item = items[Math.floor(next() * items.length)]!;
          heap.remove(item);
          live.delete(item);
          expect(item.heapIndex).toBe(-1);
        } else {
          const item = items[Math.floor(next() * items.length)]!;
          item.expiresAt = Math.floor(next() * 100);
          item.seq = seq++;
          heap.update(item);
        }
        expect(heap.size).toBe(live.size);
        expect(heap.peek()).toBe([...live].sort(order)[0]);
      }
      const popped: Item[] = [];
      for (let item = heap.peek(); item; item = heap.peek()) {
        popped.push(item);
        heap.remove(item);
      }
      expect(popped).toEqual([...live].sort(order));
    }
  });

  it('heap - removing an item that is not in the heap changes nothing', () => {
    const heap = new ExpiryHeap<Item>();
    const a: Item = { name: 1, expiresAt: 5, seq: 0, heapIndex: -1 };
    const b: Item = { name: 2, expiresAt: 3, seq: 1, heapIndex: -1 };
    heap.push(a);
    heap.remove(b);
    heap.remove(a);
    heap.remove(a);
    expect(heap.size).toBe(0);
  });
});
