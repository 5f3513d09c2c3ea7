import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchReadCache } from '../../src/api/search-read-cache.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import type { SearchRecord } from '../../src/search/records.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { newSearch, newTrial } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

describe('the search read cache', () => {
  const search = newSearch('S-1');
  const counting = () => {
    let loads = 0;
    return { load: async () => ++loads, loads: () => loads };
  };

  it('reads once per version, and again once the search changed (a new version, a training epoch)', async () => {
    const cache = new SearchReadCache(undefined);
    const { load, loads } = counting();
    expect(await cache.read(search, 'best', load)).toBe(1);
    expect(await cache.read(search, 'best', load)).toBe(1);
    expect(await cache.read({ ...search, version: search.version + 1 }, 'best', load)).toBe(2);
    expect(await cache.read({ ...search, version: search.version + 1, progressAt: new Date(1).toISOString() }, 'best', load)).toBe(3);
    expect(loads()).toBe(3);
  });

  it("never answers one tenant's read with another's, even for the same search id and version", async () => {
    const cache = new SearchReadCache(undefined);
    const other: SearchRecord = { ...search, tenantId: 'tenant-b' };
    expect(await cache.read(search, 'trials?50&', async () => 'a')).toBe('a');
    expect(await cache.read(other, 'trials?50&', async () => 'b')).toBe('b');
  });

  it('shares one read between concurrent requests, keeps no failure, and drops the least recently used', async () => {
    const cache = new SearchReadCache(undefined, 2);
    const { load, loads } = counting();
    await Promise.all([cache.read(search, 'q', load), cache.read(search, 'q', load)]);
    expect(loads()).toBe(1);
    await expect(cache.read(search, 'fails', () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(await cache.read(search, 'fails', async () => 'recovered')).toBe('recovered');
    await cache.read(search, 'q', load);
    await cache.read(search, 'third', load);
    await cache.read(search, 'q', load);
    expect(loads()).toBe(2);
  });
});

describe('the search read cache while a search runs', () => {
  const running: SearchRecord = { ...newSearch('S-2'), status: 'RUNNING' };
  let clock = 0;
  /** `draw` places each entry's background read between half the age asked (0) and three quarters of it (1). */
  const cache = (draw = 1) => new SearchReadCache({ maxAgeMs: 1_000 }, 256, () => clock, () => draw);
  /** Lets a background read that has already resolved replace its entry. */
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it('answers newer versions of a running search for the age asked, reading again in the background from half of it', async () => {
    const reads = cache(0);
    clock = 10_000;
    expect(await reads.read(running, 'trials', async () => 'v0')).toBe('v0');
    let loads = 0;
    const load = (value: string) => async () => (loads++, value);
    clock = 10_499;
    expect(await reads.read({ ...running, version: 1 }, 'trials', load('v1'))).toBe('v0');
    expect(loads).toBe(0);
    // Half the age: this read is still answered at once, and starts one read of the store behind it.
    clock = 10_500;
    const [first, second] = await Promise.all([
      reads.read({ ...running, version: 2 }, 'trials', load('v2')),
      reads.read({ ...running, version: 3 }, 'trials', load('v3')),
    ]);
    expect([first, second, loads]).toEqual(['v0', 'v0', 1]);
    await settled();
    clock = 10_600;
    expect(await reads.read({ ...running, version: 4 }, 'trials', load('v4'))).toBe('v2');
  });

  it('reads entries read together again at different times, from half to three quarters of the age asked', async () => {
    const latest = cache(1);
    clock = 30_000;
    await latest.read(running, 'trials', async () => 'v0');
    clock = 30_749;
    await latest.read({ ...running, version: 1 }, 'trials', async () => 'v1');
    await settled();
    expect(await latest.read({ ...running, version: 2 }, 'trials', async () => 'v2')).toBe('v0');
    clock = 30_750;
    await latest.read({ ...running, version: 3 }, 'trials', async () => 'v3');
    await settled();
    expect(await latest.read({ ...running, version: 4 }, 'trials', async () => 'v4')).toBe('v3');
  });

  it('asks a store that has not answered the first read no second time for the same key', async () => {
    const reads = cache(0);
    clock = 60_000;
    let answer: (value: string) => void = () => {};
    const first = reads.read(running, 'trials', () => new Promise<string>((resolve) => (answer = resolve)));
    clock = 60_600;
    let loads = 0;
    const second = reads.read({ ...running, version: 1 }, 'trials', async () => (loads++, 'v1'));
    answer('v0');
    expect([await first, await second, loads]).toEqual(['v0', 'v0', 0]);
    // Answered, the entry is read again in the background by the next read past half its age.
    expect(await reads.read({ ...running, version: 2 }, 'trials', async () => (loads++, 'v2'))).toBe('v0');
    expect(loads).toBe(1);
  });

  it('waits for a new read once the age asked has passed, and never answers older', async () => {
    const reads = cache();
    clock = 40_000;
    await reads.read(running, 'trials', async () => 'v0');
    clock = 41_000;
    expect(await reads.read({ ...running, version: 1 }, 'trials', async () => 'v1')).toBe('v1');
  });

  it('keeps the entry when a background read fails, and tries again on a later read', async () => {
    const reads = cache(0);
    clock = 50_000;
    await reads.read(running, 'trials', async () => 'v0');
    clock = 50_600;
    expect(await reads.read({ ...running, version: 1 }, 'trials', () => Promise.reject(new Error('store busy')))).toBe('v0');
    await settled();
    expect(await reads.read({ ...running, version: 2 }, 'trials', async () => 'v2')).toBe('v0');
    await settled();
    expect(await reads.read({ ...running, version: 3 }, 'trials', async () => 'v3')).toBe('v2');
  });

  it('answers an ended search only from a read of its final version, however recent the other', async () => {
    const reads = cache();
    clock = 20_000;
    await reads.read(running, 'best', async () => 'while running');
    const ended: SearchRecord = { ...running, version: running.version + 1, status: 'SUCCEEDED' };
    expect(await reads.read(ended, 'best', async () => 'final')).toBe('final');
    expect(await reads.read(ended, 'best', async () => 'again')).toBe('final');
  });

  it('reads every new version again where no age is allowed', async () => {
    const reads = new SearchReadCache(undefined, 256, () => clock);
    await reads.read(running, 'q', async () => 'v0');
    expect(await reads.read({ ...running, version: 1 }, 'q', async () => 'v1')).toBe('v1');
  });
});

describe('cached reads over the API', () => {
  let db: TestStore;
  beforeAll(async () => {
    db = await startTestStore();
  });
  afterAll(() => db?.close());

  it('serve each tenant its own trials and best, for the same search id at the same version', async () => {
    const deps = { store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() };
    const id = '01KCACHETENANTS00000000000';
    const tenants = ['cache-a', 'cache-b'];
    for (const [i, tenantId] of tenants.entries()) {
      const arch = i === 0 ? '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|' : '|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|';
      await db.store.createSearch({ ...newSearch(id, undefined, tenantId), trialCount: 1, best: { trialNumber: 1, arch, value: 1, metrics: {} } });
      await db.store.createTrial(newTrial(id, 1, { tenantId, arch, status: 'SUCCEEDED' }));
    }
    // One app, so one cache, answering both tenants.
    const { app, key: keyA } = await authorizedApp(deps, tenants[0]);
    const { key: keyB } = await authorizedApp(deps, tenants[1]);
    const as = async (key: string, path: string) =>
      (await (await app.request(path, { headers: { authorization: `Bearer ${key}` } })).json()) as { arch?: string; items?: { arch: string }[] };
    for (const path of [`/v1/searches/${id}/trials`, `/v1/searches/${id}/best`]) {
      const a = await as(keyA, path);
      const b = await as(keyB, path);
      expect(JSON.stringify(a)).toContain('none~0|+');
      expect(JSON.stringify(b)).toContain('skip_connect');
      expect(JSON.stringify(a)).not.toContain('skip_connect');
    }
    // A page kept serialized is answered as JSON, the same as the first time, and a second time alike.
    for (let i = 0; i < 2; i++) {
      const response = await app.request(`/v1/searches/${id}/trials`, { headers: { authorization: `Bearer ${keyA}` } });
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await response.json()) as { items: { number: number }[] }).items.map((t) => t.number)).toEqual([1]);
    }
  });
});
