import type { SearchRecord } from '../search/records.js';
import { isActiveSearch } from '../search/states.js';
import type { ReadFreshness } from '../store/store.js';

interface Entry {
  readonly version: number;
  readonly progressAt: string;
  /** When the read started, in ms of the cache's clock. */
  readonly loadedAt: number;
  /** Age after which a read of a running search's newer version starts reading again, in the background. */
  readonly refreshAfterMs: number;
  readonly value: Promise<unknown>;
  /** Its read has answered: a store slow to answer is not asked again for the same key meanwhile. */
  settled?: boolean;
  /** A background read of the key is under way. */
  refreshing?: boolean;
}

/**
 * Heavy reads of a search (a page of its trials, its best trial, its Pareto front) in this API process.
 * An entry answers for the version of the search record it was read at (the version moves with every
 * change the controller writes, `progressAt` with every training epoch) and, while the search runs, for
 * up to `freshness.maxAgeMs` after its read whatever the version: a running search's record changes many
 * times a second under load, and a dashboard polling it would otherwise read its trials again each time
 * (issue #18). From half to three quarters of that age (drawn per entry, so entries read together are not
 * read again together) a read of a newer version starts reading again in the background and is answered
 * the entry meanwhile: readers of a running search never wait for the store while someone keeps reading
 * it, and nothing they get is older than `maxAgeMs`. Once the search has ended its reads are exact. Keys start
 * with the tenant, so one tenant's entry never answers another's request; the least recently used go
 * first. Concurrent misses of one key share one read; a failed read is not kept.
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
    const exact = cached !== undefined && cached.version === search.version && cached.progressAt === progressAt;
    if (cached && (exact || this.withinAge(cached, search, now))) {
      if (!exact && now - cached.loadedAt >= cached.refreshAfterMs && cached.settled && !cached.refreshing) {
        this.refresh(key, cached, this.entryOf(search, progressAt, now, load));
      }
      this.keep(key, cached);
      return cached.value as Promise<V>;
    }
    const entry = this.entryOf(search, progressAt, now, load);
    this.keep(key, entry);
    entry.value.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    return entry.value as Promise<V>;
  }

  private entryOf(search: SearchRecord, progressAt: string, now: number, load: () => Promise<unknown>): Entry {
    const refreshAfterMs = (this.freshness?.maxAgeMs ?? 0) * (0.5 + this.random() / 4);
    const entry: Entry = { version: search.version, progressAt, loadedAt: now, refreshAfterMs, value: load() };
    entry.value.then(
      () => (entry.settled = true),
      () => undefined,
    );
    return entry;
  }

  /** `next` replaces `current` once read, unless something replaced it meanwhile; if it fails, a later read tries again. */
  private refresh(key: string, current: Entry, next: Entry): void {
    current.refreshing = true;
    next.value.then(
      () => this.entries.get(key) === current && this.keep(key, next),
      () => (current.refreshing = false),
    );
  }

  private keep(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Whether an entry of another version answers: a running search's, younger than the age asked. */
  private withinAge(entry: Entry, search: SearchRecord, now: number): boolean {
    // Once the search has ended, only a read of its final version answers.
    if (!this.freshness || !isActiveSearch(search.status)) return false;
    return now >= entry.loadedAt && now - entry.loadedAt < this.freshness.maxAgeMs;
  }
}
