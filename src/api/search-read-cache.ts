import type { SearchRecord } from '../search/records.js';
import { isActiveSearch } from '../search/states.js';
import type { ReadFreshness } from '../store/store.js';

interface Entry {
  readonly version: number;
  readonly progressAt: string;
  /** When the read started, in ms of the cache's clock. */
  readonly loadedAt: number;
  /** How long it answers newer versions of a running search: between half and all of `maxAgeMs`. */
  readonly lifetimeMs: number;
  readonly value: Promise<unknown>;
}

/**
 * Heavy reads of a search (a page of its trials, its best trial, its Pareto front) in this API process.
 * An entry answers for the version of the search record it was read at (the version moves with every
 * change the controller writes, `progressAt` with every training epoch) and, while the search runs, for
 * up to `freshness.maxAgeMs` after its read whatever the version: a running search's record changes many
 * times a second under load, and a dashboard polling it would otherwise read its trials again each time
 * (issue #18). Once the search has ended its reads are exact. Keys start with the tenant, so one tenant's
 * entry never answers another's request; the least recently used go first. Concurrent misses of one key
 * share one read; a failed read is not kept.
 */
export class SearchReadCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly freshness: ReadFreshness | undefined,
    private readonly capacity = 256,
    private readonly now: () => number = () => performance.now(),
    private readonly random: () => number = Math.random,
  ) {}

  /** What `load` answers for `query` (the read's name and its parameters) for the search as it is in `search`. */
  read<V>(search: SearchRecord, query: string, load: () => Promise<V>): Promise<V> {
    const key = JSON.stringify([search.tenantId, search.id, query]);
    const progressAt = search.progressAt ?? '';
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached && this.answers(cached, search, progressAt, now)) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.value as Promise<V>;
    }
    const value = load();
    // Entries read together (a dashboard's first load) run out at different times, not in one burst of reads.
    const lifetimeMs = (this.freshness?.maxAgeMs ?? 0) * (0.5 + this.random() / 2);
    const entry: Entry = { version: search.version, progressAt, loadedAt: now, lifetimeMs, value };
    this.entries.delete(key);
    this.entries.set(key, entry);
    value.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  private answers(entry: Entry, search: SearchRecord, progressAt: string, now: number): boolean {
    if (entry.version === search.version && entry.progressAt === progressAt) return true;
    // Once the search has ended, only a read of its final version answers.
    if (!this.freshness || !isActiveSearch(search.status)) return false;
    return now >= entry.loadedAt && now - entry.loadedAt < entry.lifetimeMs;
  }
}
