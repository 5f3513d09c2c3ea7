import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionConflict } from '../../src/errors.js';
import type { SearchRecord } from '../../src/search/records.js';
import { dynamoClientConfig } from '../../src/store/client-config.js';
import { DynamoDbStore } from '../../src/store/dynamodb-store.js';
import { RecentSearches } from '../../src/store/recent-searches.js';
import type { Page } from '../../src/store/store.js';
import { newSearch, TEST_TENANT } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

/** Trusts anything it read or wrote for the test's length: what shows is what the store instance knows. */
const LONG = { maxAgeMs: 600_000 };
/** Trusts nothing already read: every read goes to the store. */
const NOW = { maxAgeMs: 0 };

let db: TestStore;
/** Another process's store on the same table (a trial job, another API Lambda). */
let elsewhere: DynamoDbStore;
beforeAll(async () => {
  db = await startTestStore();
  elsewhere = new DynamoDbStore({ tableName: 'nas', client: dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint }) });
});
afterAll(() => db.close());

describe('reads of search records that may be a bounded time old (issue #18)', () => {
  it("answers this store's own writes at once, in the record and in remembered list pages", async () => {
    const tenant = 'tenant-own-writes';
    const first = newSearch('R-own-1', undefined, tenant);
    await db.store.createSearch(first);
    expect((await db.store.listSearches(tenant, { limit: 10 }, LONG)).items.map((s) => s.id)).toEqual(['R-own-1']);

    // A new search is on the next page read at once, though the page was remembered.
    await db.store.createSearch(newSearch('R-own-2', undefined, tenant));
    expect((await db.store.listSearches(tenant, { limit: 10 }, LONG)).items.map((s) => s.id)).toEqual(['R-own-2', 'R-own-1']);

    const saved = await db.store.saveSearch({ ...first, status: 'RUNNING' });
    expect(await db.store.getSearch(tenant, 'R-own-1', LONG)).toEqual(saved);
    const listed = (await db.store.listSearches(tenant, { limit: 10 }, LONG)).items.find((s) => s.id === 'R-own-1');
    expect(listed).toEqual(saved);

    await db.store.recordProgress(tenant, 'R-own-1', '2026-12-02T10:00:00.000Z');
    expect((await db.store.getSearch(tenant, 'R-own-1', LONG))?.progressAt).toBe('2026-12-02T10:00:00.000Z');
  });

  it("shows another process's write once the record is older than the age asked, and at once to a read without one", async () => {
    const search = newSearch('R-elsewhere');
    await db.store.createSearch(search);
    expect((await db.store.getSearch(TEST_TENANT, 'R-elsewhere', LONG))?.status).toBe('CREATED');
    await elsewhere.saveSearch({ ...search, status: 'STOPPING' });

    expect((await db.store.getSearch(TEST_TENANT, 'R-elsewhere', LONG))?.status).toBe('CREATED');
    expect((await db.store.getSearch(TEST_TENANT, 'R-elsewhere'))?.status).toBe('STOPPING');
    expect((await db.store.getSearch(TEST_TENANT, 'R-elsewhere', NOW))?.status).toBe('STOPPING');
    // The fresh read is remembered in its turn.
    expect((await db.store.getSearch(TEST_TENANT, 'R-elsewhere', LONG))?.status).toBe('STOPPING');
  });

  it('answers at once what another store of the process wrote and told it (the controller thread)', async () => {
    const api = new DynamoDbStore({ tableName: 'nas', client: dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint }) });
    const controller = new DynamoDbStore({ tableName: 'nas', client: dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint }), onSearchWrite: (write) => api.heard(write) });
    const tenant = 'tenant-heard';
    const search = newSearch('R-heard', undefined, tenant);
    await api.createSearch(search);
    expect((await api.listSearches(tenant, { limit: 10 }, LONG)).items).toEqual([search]);
    expect(await api.getSearch(tenant, 'R-heard', LONG)).toEqual(search);

    const saved = await controller.saveSearch({ ...search, status: 'RUNNING' });
    expect(await api.getSearch(tenant, 'R-heard', LONG)).toEqual(saved);
    expect((await api.listSearches(tenant, { limit: 10 }, LONG)).items).toEqual([saved]);
    await controller.recordProgress(tenant, 'R-heard', '2026-12-02T11:00:00.000Z');
    expect((await api.getSearch(tenant, 'R-heard', LONG))?.progressAt).toBe('2026-12-02T11:00:00.000Z');
  });

  it('reads the store again after a save it lost, instead of answering the version it tried to replace', async () => {
    const search = newSearch('R-conflict');
    await db.store.createSearch(search);
    const theirs = await elsewhere.saveSearch({ ...search, status: 'STOPPING' });
    await expect(db.store.saveSearch({ ...search, status: 'RUNNING' })).rejects.toBeInstanceOf(VersionConflict);
    expect(await db.store.getSearch(TEST_TENANT, 'R-conflict', LONG)).toEqual(theirs);
  });

  it("never answers one tenant's read with another tenant's record of the same id", async () => {
    await db.store.createSearch(newSearch('R-same-id', undefined, 'tenant-a'));
    expect(await db.store.getSearch('tenant-a', 'R-same-id', LONG)).toBeDefined();
    expect(await db.store.getSearch('tenant-b', 'R-same-id', LONG)).toBeUndefined();
    expect((await db.store.listSearches('tenant-b', { limit: 10 }, LONG)).items).toEqual([]);
  });
});

describe('the recent searches of one store', () => {
  const search = newSearch('R-unit');
  let clock = 0;
  const recent = () => new RecentSearches(() => clock);
  const answering = (record: SearchRecord | undefined) => async () => record;

  it('keeps a read for the age asked, by its own clock, and not across a clock that went back', async () => {
    const cache = recent();
    clock = 1_000;
    await cache.search(TEST_TENANT, 'R-unit', LONG, answering(search));
    const newer = { ...search, version: 1 };
    clock = 1_999;
    expect(await cache.search(TEST_TENANT, 'R-unit', { maxAgeMs: 1_000 }, answering(newer))).toBe(search);
    clock = 2_000;
    expect(await cache.search(TEST_TENANT, 'R-unit', { maxAgeMs: 1_000 }, answering(newer))).toBe(newer);
    clock = 500;
    const newest = { ...search, version: 2 };
    expect(await cache.search(TEST_TENANT, 'R-unit', LONG, answering(newest))).toBe(newest);
  });

  it('does not let a read that started before a save bring back the older version when it ends after it', async () => {
    const cache = recent();
    let finish: (record: SearchRecord) => void = () => {};
    const slowRead = cache.search(TEST_TENANT, 'R-unit', NOW, () => new Promise<SearchRecord>((resolve) => (finish = resolve)));
    const saved = { ...search, version: 1, status: 'RUNNING' as const };
    cache.apply({ kind: 'saved', search: saved });
    finish(search);
    expect(await slowRead).toBe(search);
    expect(await cache.search(TEST_TENANT, 'R-unit', LONG, answering(undefined))).toBe(saved);
  });

  it('keeps no list page read across a create, and puts saves that landed during a read into the page it keeps', async () => {
    const cache = recent();
    const tenant = 'tenant-overlap';
    const first = newSearch('R-first', undefined, tenant);
    let finish: (page: { items: SearchRecord[] }) => void = () => {};
    const slowPage = () => new Promise<{ items: SearchRecord[] }>((resolve) => (finish = resolve));
    const acrossCreate = cache.page(tenant, { limit: 5 }, LONG, slowPage);
    cache.apply({ kind: 'created', search: newSearch('R-second', undefined, tenant) });
    finish({ items: [first] });
    await acrossCreate;
    expect((await cache.page(tenant, { limit: 5 }, LONG, async () => ({ items: [] }))).items).toEqual([]);

    const acrossSave = cache.page(tenant, { limit: 6 }, LONG, slowPage);
    const saved = { ...first, version: 1, status: 'RUNNING' as const };
    cache.apply({ kind: 'saved', search: saved });
    finish({ items: [first] });
    expect((await acrossSave).items).toEqual([first]);
    expect((await cache.page(tenant, { limit: 6 }, LONG, async () => ({ items: [] }))).items).toEqual([saved]);
  });

  /** A tenant's first list page through a fresh cache, kept a second: each read says the id of the page's first search. */
  const listOf = (tenant: string) => {
    const cache = recent();
    const pageOf = (id: string): Page<SearchRecord> => ({ items: [newSearch(id, undefined, tenant)] });
    return {
      cache,
      pageOf,
      answering: (id: string) => async () => pageOf(id),
      /** A read that answers when `finish` is called. */
      slow: () => {
        let finish: (id: string) => void = () => {};
        return { read: () => new Promise<Page<SearchRecord>>((resolve) => (finish = (id) => resolve(pageOf(id)))), finish: (id: string) => finish(id) };
      },
      firstId: async (read: () => Promise<Page<SearchRecord>>) => (await cache.page(tenant, { limit: 5 }, { maxAgeMs: 1_000 }, read)).items[0]?.id,
    };
  };
  /** Lets a background read that has already answered replace its page. */
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it('answers a list page at once from half its age on, reading it again in the background, once', async () => {
    const { firstId, pageOf } = listOf('tenant-polling');
    let reads = 0;
    const reading = (id: string) => async () => (reads++, pageOf(id));
    clock = 5_000;
    await firstId(reading('R-v0'));
    clock = 5_499;
    expect(await firstId(reading('R-v1'))).toBe('R-v0');
    clock = 5_500;
    expect(await Promise.all([firstId(reading('R-v2')), firstId(reading('R-v3'))])).toEqual(['R-v0', 'R-v0']);
    expect(reads).toBe(2);
    await settled();
    expect(await firstId(reading('R-v4'))).toBe('R-v2');
    // Past the age asked, a read waits for the store.
    clock = 6_500;
    expect(await firstId(reading('R-v5'))).toBe('R-v5');
  });

  it('keeps a list page whose background read failed, and reads it again on a later read', async () => {
    const { firstId, answering } = listOf('tenant-failing');
    clock = 7_000;
    await firstId(answering('R-kept'));
    clock = 7_600;
    expect(await firstId(() => Promise.reject(new Error('store busy')))).toBe('R-kept');
    await settled();
    expect(await firstId(answering('R-again'))).toBe('R-kept');
    await settled();
    expect(await firstId(answering('R-unused'))).toBe('R-again');
  });

  it('never lets a slow background read replace a page read after it began', async () => {
    const { firstId, answering, slow } = listOf('tenant-slow');
    clock = 8_000;
    await firstId(answering('R-first'));
    clock = 8_500;
    const background = slow();
    await firstId(background.read);
    // The page runs out while the background read is slow: a reader reads it again, and waits.
    clock = 9_000;
    expect(await firstId(answering('R-newer'))).toBe('R-newer');
    background.finish('R-slow');
    await settled();
    clock = 9_100;
    expect(await firstId(answering('R-unused'))).toBe('R-newer');
  });

  it("reads a list page again in the background after a read another tenant's create made it drop", async () => {
    const { cache, firstId, answering, slow } = listOf('tenant-quiet');
    clock = 10_000;
    await firstId(answering('R-v0'));
    clock = 10_500;
    const background = slow();
    await firstId(background.read);
    cache.apply({ kind: 'created', search: newSearch('R-elsewhere', undefined, 'tenant-busy') });
    background.finish('R-dropped');
    await settled();
    // The read across the create was not kept; the next reader starts another, and is answered meanwhile.
    let reads = 0;
    expect(await firstId(async () => (reads++, { items: [newSearch('R-v1', undefined, 'tenant-quiet')] }))).toBe('R-v0');
    expect(reads).toBe(1);
  });

  it('remembers nothing for a search that does not exist, and reads its list pages again after a forget', async () => {
    const cache = recent();
    let reads = 0;
    const missing = async () => {
      reads++;
      return undefined;
    };
    await cache.search(TEST_TENANT, 'R-none', LONG, missing);
    await cache.search(TEST_TENANT, 'R-none', LONG, missing);
    expect(reads).toBe(2);

    let pageReads = 0;
    const page = async () => {
      pageReads++;
      return { items: [search] };
    };
    await cache.page(TEST_TENANT, { limit: 5 }, LONG, page);
    await cache.page(TEST_TENANT, { limit: 5 }, LONG, page);
    expect(pageReads).toBe(1);
    cache.apply({ kind: 'unknown', tenantId: TEST_TENANT, searchId: 'R-unit' });
    await cache.page(TEST_TENANT, { limit: 5 }, LONG, page);
    expect(pageReads).toBe(2);
  });
});
