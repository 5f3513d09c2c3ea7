import { describe, expect, it } from 'vitest';
import type { SearchRecord, TrialRecord } from '../../src/search/records.js';
import type { TrialStatus } from '../../src/search/states.js';
import { countTrials } from '../../src/search/trial-counters.js';
import { emptyLedger } from '../../src/search/trial-ledger.js';
import { SearchCurves } from '../../src/usecases/search-curves.js';
import { newSearch, newTrial } from '../helpers/records.js';

/** A search's trials as a store holds them, counting which trials each call reads. */
class CountingTrials {
  readonly trials = new Map<number, TrialRecord>();
  readonly reads: number[][] = [];
  allReads = 0;

  constructor(private readonly searchId: string) {}

  set(number: number, status: TrialStatus, epochs: number) {
    const curve = Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, metrics: { val_acc: number / 10 + i / 100 }, seconds: i }));
    this.trials.set(number, newTrial(this.searchId, number, { status, curve }));
  }

  /** The search record as the controller last saved it: finished trials folded, the others open. */
  search(): SearchRecord {
    const all = [...this.trials.values()];
    const finished = all.filter((t) => ['SUCCEEDED', 'EARLY_STOPPED', 'FAILED', 'KILLED'].includes(t.status));
    const open = all.filter((t) => !finished.includes(t)).map((t) => ({ number: t.number, status: t.status }));
    return { ...newSearch(this.searchId), ledger: { ...emptyLedger(), folded: countTrials(finished), open } };
  }

  async getTrials(_tenant: string, _search: string, numbers: readonly number[]) {
    this.reads.push([...numbers]);
    return numbers.flatMap((n) => (this.trials.has(n) ? [this.trials.get(n)!] : []));
  }

  async allTrials() {
    this.allReads++;
    return [...this.trials.values()];
  }
}

describe('SearchCurves', () => {
  it('reads each finished trial once, and only the active ones again on later calls', async () => {
    const store = new CountingTrials('CURVES-1');
    for (let n = 1; n <= 40; n++) store.set(n, 'SUCCEEDED', 5);
    store.set(41, 'RUNNING', 2);
    store.set(42, 'RUNNING', 1);
    const curves = new SearchCurves();

    const first = await curves.of(store, store.search());
    expect(first.map((c) => c.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    expect(store.reads.flat()).toHaveLength(42);

    // Trial 41 reports another epoch and 42 finishes; a new trial 43 starts.
    store.set(41, 'RUNNING', 3);
    store.set(42, 'EARLY_STOPPED', 1);
    store.set(43, 'RUNNING', 1);
    const second = await curves.of(store, store.search());
    expect(store.reads.at(-1)).toEqual([41, 42, 43]);
    expect(second.find((c) => c.number === 41)?.curve).toHaveLength(3);
    expect(second.find((c) => c.number === 42)?.status).toBe('EARLY_STOPPED');

    await curves.of(store, store.search());
    expect(store.reads.at(-1)).toEqual([41, 43]);
    expect(store.allReads).toBe(0);
  });

  it('reads a search whose record has no ledger (older than it) whole, and keeps nothing of it', async () => {
    const store = new CountingTrials('CURVES-2');
    store.set(1, 'SUCCEEDED', 2);
    const { ledger: _ledger, ...legacy } = store.search();
    const curves = new SearchCurves();
    expect(await curves.of(store, legacy)).toEqual([{ number: 1, status: 'SUCCEEDED', curve: store.trials.get(1)!.curve }]);
    await curves.of(store, legacy);
    expect(store.allReads).toBe(2);
    expect(store.reads).toEqual([]);
  });

  it('forgets the least recently asked search beyond its bound', async () => {
    const curves = new SearchCurves(2);
    const stores = ['A', 'B', 'C'].map((id) => {
      const store = new CountingTrials(`CURVES-${id}`);
      store.set(1, 'SUCCEEDED', 1);
      return store;
    });
    for (const store of stores) await curves.of(store, store.search());
    await curves.of(stores[2]!, stores[2]!.search());
    await curves.of(stores[0]!, stores[0]!.search());
    // C was kept (nothing read again); A had been forgotten when C came (read again).
    expect(stores[2]!.reads).toEqual([[1]]);
    expect(stores[0]!.reads).toEqual([[1], [1]]);
  });
});
