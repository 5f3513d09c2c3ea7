import type { SearchRecord } from '../search/records.js';

/**
 * Heavy reads of a search (a page of its trials, its best trial, its Pareto front), answered once per
 * version of the search record in this API process. The version moves with every change the controller
 * writes, and `progressAt` with every training epoch, so an entry is never stale, only unused: the least
 * recently used go first. Keys start with the tenant, so one tenant's entry never answers another's
 * request. Concurrent misses of one key share one read; a failed read is not kept.
 */
export class SearchReadCache {
  private readonly entries = new Map<string, Promise<unknown>>();

  constructor(private readonly capacity = 256) {}

  /** What `load` answers for `query` (the read's name and its parameters) at the search's current version. */
  read<V>(search: SearchRecord, query: string, load: () => Promise<V>): Promise<V> {
    const key = JSON.stringify([search.tenantId, search.id, search.version, search.progressAt ?? '', query]);
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached as Promise<V>;
    }
    const loaded = load();
    this.entries.set(key, loaded);
    loaded.catch(() => this.entries.get(key) === loaded && this.entries.delete(key));
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return loaded;
  }
}
