import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, InvalidRequest, TooManyRequests, Unavailable } from '../../src/errors.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { EXAMPLE_SEARCH_SPEC, SearchSpecSchema } from '../../src/search/spec.js';
import type { Store } from '../../src/store/store.js';
import { createSearch, type CreateSearchDeps } from '../../src/usecases/create-search.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
let benchmarks: BenchmarkCatalog;
beforeAll(async () => {
  db = await startTestStore();
  benchmarks = new BenchmarkCatalog(BENCHMARKS_DIR);
});
afterAll(() => db.close());

/** The use case over the real store, for `maxActiveSearches` unfinished searches per tenant. */
function deps(maxActiveSearches = 20): CreateSearchDeps & { events: RecordingEvents } {
  return { store: db.store, events: new RecordingEvents(), benchmarks, clock: () => new Date(), maxActiveSearches, datasets: {} };
}

const spec = (budget: Record<string, number> = {}) =>
  SearchSpecSchema.parse({ ...EXAMPLE_SEARCH_SPEC, budget: { ...EXAMPLE_SEARCH_SPEC.budget, ...budget } });

describe('createSearch', () => {
  it('writes the search, announces it and prices it', async () => {
    const use = deps();
    const created = await createSearch(use, { tenantId: 'create-a', spec: spec() });
    expect(created.replayed).toBe(false);
    expect(created.search.status).toBe('CREATED');
    expect(await db.store.getSearch('create-a', created.search.id)).toEqual(created.search);
    expect(created.estimate.instance).toMatchObject({ kind: 'fargate' });
    expect(created.estimate.cost.usd).toBeGreaterThan(0);
    expect(use.events.published).toEqual([{ type: 'SearchCreated', tenantId: 'create-a', searchId: created.search.id }]);
  });

  it('replays a retry with the same idempotency key without writing, announcing or counting it again', async () => {
    const use = deps(1);
    const first = await createSearch(use, { tenantId: 'create-b', spec: spec(), idempotencyKey: 'once' });
    // The quota is full now: a replay takes no slot, so it is still answered.
    const again = await createSearch(use, { tenantId: 'create-b', spec: spec(), idempotencyKey: 'once' });
    expect(again).toEqual({ ...first, replayed: true });
    expect(use.events.published).toHaveLength(1);
    await expect(createSearch(use, { tenantId: 'create-b', spec: spec({ maxTrialCount: 7 }), idempotencyKey: 'once' })).rejects.toThrow(Conflict);
  });

  it('creates the search a key was bound to when the request that bound it failed before writing it', async () => {
    const failing: Store = Object.assign(Object.create(db.store), {
      createSearch: () => Promise.reject(new Unavailable('the store went away')),
    });
    const request = { tenantId: 'create-c', spec: spec(), idempotencyKey: 'retried' };
    await expect(createSearch({ ...deps(1), store: failing }, request)).rejects.toThrow(Unavailable);
    // The retry finds the key bound and the slot reserved for the same id, and writes that search now.
    const use = deps(1);
    const retried = await createSearch(use, request);
    expect(retried.replayed).toBe(false);
    expect(await db.store.slotHolders('create-c', 'searches')).toEqual([expect.objectContaining({ holder: retried.search.id })]);
    expect(use.events.published).toEqual([{ type: 'SearchCreated', tenantId: 'create-c', searchId: retried.search.id }]);
    expect((await createSearch(use, request)).replayed).toBe(true);
  });

  it('holds the tenant to its quota of unfinished searches, and counts only unfinished ones', async () => {
    const use = deps(2);
    const a = await createSearch(use, { tenantId: 'create-d', spec: spec() });
    await createSearch(use, { tenantId: 'create-d', spec: spec() });
    await expect(createSearch(use, { tenantId: 'create-d', spec: spec() })).rejects.toThrow(TooManyRequests);
    await db.store.saveSearch({ ...a.search, status: 'SUCCEEDED', reason: 'MaxTrialsReached' });
    expect((await createSearch(use, { tenantId: 'create-d', spec: spec() })).replayed).toBe(false);
    expect(use.events.published).toHaveLength(3);
  });

  it('refuses a spec whose estimate exceeds maxCostUsd before binding its key or taking a slot', async () => {
    const use = deps(1);
    await expect(createSearch(use, { tenantId: 'create-e', spec: spec({ maxCostUsd: 0.01 }), idempotencyKey: 'too-dear' })).rejects.toThrow(InvalidRequest);
    expect(await db.store.slotHolders('create-e', 'searches')).toEqual([]);
    expect(use.events.published).toEqual([]);
    // The key is still free for the corrected request, and the one slot for its search.
    expect((await createSearch(use, { tenantId: 'create-e', spec: spec(), idempotencyKey: 'too-dear' })).replayed).toBe(false);
  });
});
