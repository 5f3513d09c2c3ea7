import { ulid } from 'ulid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tick } from '../../src/controller/tick.js';
import { waitFor } from '../../src/local/service-process.js';
import { isActiveSearch } from '../../src/search/states.js';
import { ScriptedJobQueue } from '../helpers/scripted-queue.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { createSearch, json, newTenant, serveInstances, type Tenant } from './fixture.js';

let db: TestStore;
let running: { close(): Promise<unknown> } | undefined;

beforeAll(async () => {
  db = await startTestStore();
});
afterEach(async () => {
  await running?.close();
  running = undefined;
});
afterAll(() => db.close());

/** Two API instances over the one store, as two Lambdas of the deployed API are. */
async function twoInstances(options: Parameters<typeof serveInstances>[2]) {
  const served = await serveInstances(db, 2, options);
  running = served;
  return served.urls as [string, string];
}

/** A clock the test moves by hand. */
function handClock(start = Date.now()) {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms), now: () => now };
}

const retryAfter = (response: Response) => Number(response.headers.get('retry-after'));
const activeSearches = async (tenant: Tenant) =>
  (await db.store.listSearches(tenant.id, { limit: 1000 })).items.filter((s) => isActiveSearch(s.status));

describe('the request rate limit, shared by every API instance', () => {
  it('counts one tenant over both instances, answers 429 with the real wait, and leaves the other tenant alone', async () => {
    const time = handClock();
    const [one, two] = await twoInstances({ limits: { requestsPerMinute: 5 }, clock: time.clock });
    const attacker = await newTenant(db, 'rate-attacker');
    const victim = await newTenant(db, 'rate-victim');

    const statuses = [];
    for (const base of [one, two, one, two, one]) statuses.push((await attacker.fetch(base, '/v1/searches')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    time.advance(45_000);
    for (const base of [one, two]) {
      const refused = await attacker.fetch(base, '/v1/searches');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(retryAfter(refused)).toBe(15);
    }
    expect((await victim.fetch(two, '/v1/searches')).status).toBe(200);

    time.advance(15_000);
    expect((await attacker.fetch(one, '/v1/searches')).status).toBe(200);
  });
});

describe('the active-search quota, atomic across instances', () => {
  it('lets 40 concurrent creates over two instances against a quota of 20 start exactly 20', async () => {
    const [one, two] = await twoInstances({ limits: { maxActiveSearches: 20 } });
    const tenant = await newTenant(db, 'quota-burst');
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => createSearch(tenant, i % 2 ? one : two)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    const refused = responses.find((r) => r.status === 429)!;
    expect(retryAfter(refused)).toBe(30);
    expect(await json(refused)).toMatchObject({ type: '/problems/too-many-requests', status: 429 });
    expect(await activeSearches(tenant)).toHaveLength(20);
  });

  it('shares the quota between instances, and frees a slot when the controller finishes a search', async () => {
    const [one, two] = await twoInstances({ limits: { maxActiveSearches: 2 } });
    const tenant = await newTenant(db, 'quota-shared');
    const other = await newTenant(db, 'quota-other');
    const first = await json(await createSearch(tenant, one));
    expect((await createSearch(tenant, two)).status).toBe(201);
    expect((await createSearch(tenant, one)).status).toBe(429);
    expect((await createSearch(tenant, two)).status).toBe(429);
    expect((await createSearch(other, two)).status).toBe(201);

    // Stopped, then finished by the controller: its slot is released at once.
    expect((await tenant.fetch(one, `/v1/searches/${first.id}/stop`, { method: 'POST' })).status).toBe(202);
    await tick({ store: db.store, queue: new ScriptedJobQueue(), clock: () => new Date() }, tenant.id, first.id);
    expect((await db.store.slotHolders(tenant.id, 'searches')).map((h) => h.holder)).not.toContain(first.id);
    expect((await createSearch(tenant, two)).status).toBe(201);
  });

  it('takes back slots that a crash left: a finished search never released, a search reserved but never written', async () => {
    const [one] = await twoInstances({ limits: { maxActiveSearches: 2 } });
    const tenant = await newTenant(db, 'quota-crash');
    // A search that finished without its release (the controller died in between) ...
    const finished = await json(await createSearch(tenant, one));
    const record = (await db.store.getSearch(tenant.id, finished.id))!;
    await db.store.saveSearch({ ...record, status: 'SUCCEEDED', reason: 'MaxTrialsReached' });
    // ... and a reservation whose create never came, long enough ago.
    const lost = ulid();
    expect(await db.store.takeSlot(tenant.id, 'searches', lost, Date.now() - 5 * 60_000, 2)).toBe(true);

    expect((await createSearch(tenant, one)).status).toBe(201);
    expect((await createSearch(tenant, one)).status).toBe(201);
    expect((await createSearch(tenant, one)).status).toBe(429);
    const holders = (await db.store.slotHolders(tenant.id, 'searches')).map((h) => h.holder);
    expect(holders).not.toContain(finished.id);
    expect(holders).not.toContain(lost);
  });

  it('keeps the slot of a reservation whose create may still be under way', async () => {
    const [one] = await twoInstances({ limits: { maxActiveSearches: 1 } });
    const tenant = await newTenant(db, 'quota-in-flight');
    expect(await db.store.takeSlot(tenant.id, 'searches', ulid(), Date.now(), 1)).toBe(true);
    expect((await createSearch(tenant, one)).status).toBe(429);
  });
});

describe('event streams per tenant, counted across instances', () => {
  /** Opens `GET .../events` and leaves it open; `close()` hangs up as a browser leaving the page does. */
  async function openStream(tenant: Tenant, base: string, searchId: string) {
    const hangUp = new AbortController();
    const response = await tenant.fetch(base, `/v1/searches/${searchId}/events`, { signal: hangUp.signal });
    return { response, close: () => hangUp.abort() };
  }
  const leases = async (tenant: Tenant) => (await db.store.slotHolders(tenant.id, 'event-streams')).length;

  it('refuses a tenant its third stream over two instances with a 429 and a real Retry-After, and frees the place on hang-up', async () => {
    const [one, two] = await twoInstances({ limits: { maxEventStreams: 2 } });
    const attacker = await newTenant(db, 'streams-attacker');
    const victim = await newTenant(db, 'streams-victim');
    // Searches that no controller runs stay CREATED, so their streams stay open.
    const { id } = await json(await createSearch(attacker, one));
    const { id: victimSearch } = await json(await createSearch(victim, one));

    const first = await openStream(attacker, one, id);
    const second = await openStream(attacker, two, id);
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    const refused = await openStream(attacker, one, id);
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get('content-type')).toBe('application/problem+json');
    // The soonest lease runs out a minute after it was taken or renewed.
    expect(retryAfter(refused.response)).toBeGreaterThanOrEqual(50);
    expect(retryAfter(refused.response)).toBeLessThanOrEqual(60);

    const victimStream = await openStream(victim, two, victimSearch);
    expect(victimStream.response.status).toBe(200);

    first.close();
    await waitFor(async () => ((await leases(attacker)) === 1 ? true : undefined), 'the closed stream to give its place back', 10_000);
    const third = await openStream(attacker, two, id);
    expect(third.response.status).toBe(200);
    for (const stream of [second, third, victimStream]) stream.close();
  });

  it('lets leases that a crashed instance left run out', async () => {
    const [one] = await twoInstances({ limits: { maxEventStreams: 2 } });
    const tenant = await newTenant(db, 'streams-crash');
    const { id } = await json(await createSearch(tenant, one));
    // Two streams of an instance that died a while ago: their leases ran out and were never renewed.
    for (const lease of ['dead-1', 'dead-2']) await db.store.takeSlot(tenant.id, 'event-streams', lease, Date.now() - 1_000, 2);

    const stream = await openStream(tenant, one, id);
    expect(stream.response.status).toBe(200);
    const holders = (await db.store.slotHolders(tenant.id, 'event-streams')).map((h) => h.holder);
    expect(holders).not.toContain('dead-1');
    expect(holders).not.toContain('dead-2');
    stream.close();
  });

  it('renews the lease of a stream while it stays open', async () => {
    const time = handClock();
    const [one] = await twoInstances({ limits: { maxEventStreams: 1 }, clock: time.clock });
    const tenant = await newTenant(db, 'streams-renewal');
    const { id } = await json(await createSearch(tenant, one));
    const stream = await openStream(tenant, one, id);
    const [lease] = await db.store.slotHolders(tenant.id, 'event-streams');
    expect(lease!.stamp).toBe(time.now() + 60_000);

    // Past the first renewal but within the lease: the open stream renews it, a new one is still refused.
    time.advance(45_000);
    await waitFor(async () => ((await db.store.slotHolders(tenant.id, 'event-streams'))[0]?.stamp === time.now() + 60_000 ? true : undefined), 'the lease to be renewed', 10_000);
    time.advance(45_000);
    expect((await openStream(tenant, one, id)).response.status).toBe(429);
    stream.close();
  });

  it("takes no place for a search of another tenant's", async () => {
    const [one] = await twoInstances({ limits: { maxEventStreams: 1 } });
    const owner = await newTenant(db, 'streams-owner');
    const intruder = await newTenant(db, 'streams-intruder');
    const { id } = await json(await createSearch(owner, one));
    expect((await openStream(intruder, one, id)).response.status).toBe(404);
    expect(await leases(intruder)).toBe(0);
  });
});
