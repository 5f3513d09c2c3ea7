import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, InvalidTransition, NotFound } from '../../src/errors.js';
import type { SearchRecord } from '../../src/search/records.js';
import type { Store } from '../../src/store/store.js';
import { stopSearch } from '../../src/usecases/stop-search.js';
import { newSearch, TEST_TENANT } from '../helpers/records.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(() => db.close());

const deps = (store: Store = db.store) => ({ store, events: new RecordingEvents(), clock: () => new Date() });

describe('stopSearch', () => {
  it('makes an active search STOPPING and announces it once, however often it is asked', async () => {
    await db.store.createSearch(newSearch('STOP-1'));
    const use = deps();
    expect((await stopSearch(use, TEST_TENANT, 'STOP-1')).status).toBe('STOPPING');
    expect((await stopSearch(use, TEST_TENANT, 'STOP-1')).status).toBe('STOPPING');
    expect(use.events.published).toEqual([{ type: 'SearchStopRequested', tenantId: TEST_TENANT, searchId: 'STOP-1' }]);
  });

  it('refuses a finished search with an InvalidTransition, and an unknown one with NotFound', async () => {
    const created = newSearch('STOP-2');
    await db.store.createSearch(created);
    await db.store.saveSearch({ ...created, status: 'SUCCEEDED', reason: 'MaxTrialsReached' });
    const use = deps();
    const refused = stopSearch(use, TEST_TENANT, 'STOP-2');
    await expect(refused).rejects.toThrow(InvalidTransition);
    await expect(refused).rejects.toThrow(Conflict);
    await expect(stopSearch(use, TEST_TENANT, 'STOP-none')).rejects.toThrow(NotFound);
    expect(use.events.published).toEqual([]);
  });

  it('tries again when a tick saved the search between its read and its write', async () => {
    await db.store.createSearch(newSearch('STOP-3'));
    let ticks = 0;
    // The controller saves the search first, so the stop's write loses the version race once.
    const racing: Store = Object.assign(Object.create(db.store), {
      async saveSearch(search: SearchRecord) {
        if (ticks++ === 0) await db.store.saveSearch({ ...(await db.store.getSearch(TEST_TENANT, 'STOP-3'))!, status: 'RUNNING' });
        return db.store.saveSearch(search);
      },
    });
    const stopped = await stopSearch(deps(racing), TEST_TENANT, 'STOP-3');
    expect(stopped).toMatchObject({ status: 'STOPPING', version: 2 });
    expect(ticks).toBe(2);
  });
});
