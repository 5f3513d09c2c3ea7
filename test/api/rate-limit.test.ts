import { describe, expect, it } from 'vitest';
import { RequestCounter } from '../../src/api/rate-limit.js';
import type { RequestWindow, Store } from '../../src/store/store.js';

/** The store's shared window count, as `countRequest` keeps it, recording each write. */
function countingStore() {
  const windows = new Map<string, { count: number; endsAt: number }>();
  const writes: number[] = [];
  const store: Pick<Store, 'countRequest'> = {
    async countRequest(tenantId, at, windowMs, requests = 1): Promise<RequestWindow> {
      writes.push(requests);
      const now = at.getTime();
      const window = windows.get(tenantId);
      const current = window && window.endsAt > now ? window : { count: 0, endsAt: now + windowMs };
      current.count += requests;
      windows.set(tenantId, current);
      return { count: current.count, endsAt: new Date(current.endsAt) };
    },
  };
  return { store, writes, stored: (tenantId: string) => windows.get(tenantId)?.count ?? 0 };
}

const at = (ms: number) => new Date(1_000_000 + ms);

describe('the request counter', () => {
  it('writes a batch of requests, not one a request, far below the limit, and loses none of them', async () => {
    const { store, writes, stored } = countingStore();
    const counter = new RequestCounter(store, 10_000);
    for (let i = 0; i < 1_000; i++) await counter.count('acme', at(i));
    expect(writes.length).toBeLessThanOrEqual(1_000 / 50 + 2);
    // The last requests may still be unwritten: a batch's worth at most.
    expect(stored('acme')).toBeGreaterThan(1_000 - 50);
  });

  it('refuses over the limit across instances: near it, every request is written and the count is exact', async () => {
    const { store, stored } = countingStore();
    const [one, two] = [new RequestCounter(store, 100), new RequestCounter(store, 100)];
    const counts = [];
    for (let i = 0; i < 120; i++) counts.push((await (i % 2 ? one : two).count('acme', at(i))).count);
    expect(counts.filter((count) => count > 100)).toHaveLength(20);
    expect(stored('acme')).toBeGreaterThanOrEqual(100);
  });

  it('refuses the rest of a window passed the limit without writing, and starts the next window afresh', async () => {
    const { store, writes } = countingStore();
    const counter = new RequestCounter(store, 3);
    for (let i = 0; i < 4; i++) await counter.count('acme', at(i));
    const written = writes.length;
    expect((await counter.count('acme', at(10))).count).toBeGreaterThan(3);
    expect(writes).toHaveLength(written);
    expect((await counter.count('acme', at(60_000))).count).toBe(1);
  });

  it('counts each tenant in its own window', async () => {
    const { store } = countingStore();
    const counter = new RequestCounter(store, 2);
    for (let i = 0; i < 3; i++) await counter.count('attacker', at(i));
    expect((await counter.count('victim', at(3))).count).toBe(1);
  });
});
