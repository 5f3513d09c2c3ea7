import type { SearchRecord } from '../search/records.js';
import type { Page, PageRequest, ReadFreshness } from './store.js';

/** Search records one store instance remembers at most; the least recently used go first. */
const MAX_SEARCHES = 1_000;
/** Tenants whose list pages it remembers, and pages per tenant. */
const MAX_TENANTS = 256;
const MAX_PAGES_PER_TENANT = 8;

/** A write of search records a store made, as its `RecentSearches` (and those it tells, `onSearchWrite`) learn it. */
export type SearchWrite =
  | { readonly kind: 'created'; readonly search: SearchRecord }
  | { readonly kind: 'saved'; readonly search: SearchRecord }
  /** Progress recorded on a search (`recordProgress`), which moves no version. */
  | { readonly kind: 'progressed'; readonly tenantId: string; readonly searchId: string; readonly at: string }
  /** A write whose outcome the store does not know (a conflict, an error): the next read goes to the store. */
  | { readonly kind: 'unknown'; readonly tenantId: string; readonly searchId: string };

interface Remembered<V> {
  value: V;
  /** When the read or write that gave it happened, in ms of the clock. */
  at: number;
  /** A list page is being read again in the background. */
  refreshing?: boolean;
}

/**
 * The search records and list pages one store instance read or wrote lately. Its own writes go through
 * at once (a saved record replaces the one remembered, and the copies in remembered list pages), and so do
 * those it hears of from another store of the process (the local service's controller thread), so there
 * nothing the API answers is older than the last write; writes by other processes (trial jobs' progress,
 * another Lambda) show once `maxAgeMs` has passed since the read. A read that started before a write and
 * ends after it never brings back the older record: the higher version wins. A list page read again
 * from half that age on is answered at once and read again in the background: a dashboard or CLI polling
 * the list does not wait for the store each time the page runs out (issue #18).
 */
export class RecentSearches {
  private readonly searches = new Map<string, Remembered<SearchRecord>>();
  private readonly pages = new Map<string, Map<string, Remembered<Page<SearchRecord>>>>();
  /** Creates (and unknown outcomes) so far, of any tenant: a page read across one of them is not kept. */
  private listChanges = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  async search(tenantId: string, searchId: string, freshness: ReadFreshness, read: () => Promise<SearchRecord | undefined>): Promise<SearchRecord | undefined> {
    const key = searchKey(tenantId, searchId);
    const hit = this.searches.get(key);
    const startedAt = this.now();
    if (hit && isFresh(hit, startedAt, freshness)) return touch(this.searches, key, hit).value;
    const found = await read();
    if (found) this.remember(found, startedAt);
    return found;
  }

  async page(tenantId: string, page: PageRequest, freshness: ReadFreshness, read: () => Promise<Page<SearchRecord>>): Promise<Page<SearchRecord>> {
    const key = JSON.stringify([page.limit, page.nextToken ?? '']);
    const pages = this.pages.get(tenantId);
    const hit = pages?.get(key);
    const startedAt = this.now();
    if (pages && hit && isFresh(hit, startedAt, freshness)) {
      if (startedAt - hit.at >= freshness.maxAgeMs / 2 && !hit.refreshing) {
        hit.refreshing = true;
        // Kept, it replaces the page; failed or not kept (a create landed meanwhile), a later read tries again.
        const done = () => (hit.refreshing = false);
        this.readPage(tenantId, key, read).then(done, done);
      }
      touch(this.pages, tenantId, pages);
      return touch(pages, key, hit).value;
    }
    return this.readPage(tenantId, key, read);
  }

  private async readPage(tenantId: string, key: string, read: () => Promise<Page<SearchRecord>>): Promise<Page<SearchRecord>> {
    const startedAt = this.now();
    const changes = this.listChanges;
    const found = await read();
    if (this.listChanges !== changes) return found;
    const mine = touch(this.pages, tenantId, this.pages.get(tenantId) ?? new Map());
    // A read that started earlier and ended later than another (a slow background one) does not replace it.
    if ((mine.get(key)?.at ?? Number.NEGATIVE_INFINITY) > startedAt) return found;
    // Saves that landed while the page was read replace their records in it, as they would have after.
    const items = found.items.map((item) => {
      const known = this.searches.get(searchKey(item.tenantId, item.id))?.value;
      return known && known.version > item.version ? known : item;
    });
    mine.set(key, { value: { ...found, items }, at: startedAt });
    trim(mine, MAX_PAGES_PER_TENANT);
    trim(this.pages, MAX_TENANTS);
    return found;
  }

  /** Learns a write of search records: this store's own, or one another store of the process made. */
  apply(write: SearchWrite): void {
    if (write.kind === 'created') {
      // Earlier list pages of its tenant no longer say what comes first.
      this.listChanged(write.search.tenantId);
      this.remember(write.search, this.now());
    } else if (write.kind === 'saved') this.saved(write.search);
    else if (write.kind === 'progressed') {
      const remembered = this.searches.get(searchKey(write.tenantId, write.searchId));
      if (remembered) remembered.value = { ...remembered.value, progressAt: write.at };
    } else {
      this.searches.delete(searchKey(write.tenantId, write.searchId));
      this.listChanged(write.tenantId);
    }
  }

  private listChanged(tenantId: string): void {
    this.pages.delete(tenantId);
    this.listChanges++;
  }

  /** The remembered record and its copies in list pages are replaced, unless they are newer. */
  private saved(search: SearchRecord): void {
    this.remember(search, this.now());
    for (const remembered of this.pages.get(search.tenantId)?.values() ?? []) {
      const { items } = remembered.value;
      const index = items.findIndex((item) => item.id === search.id);
      if (index >= 0 && items[index]!.version <= search.version) remembered.value = { ...remembered.value, items: items.with(index, search) };
    }
  }

  private remember(search: SearchRecord, at: number): void {
    const key = searchKey(search.tenantId, search.id);
    const known = this.searches.get(key);
    if (known && known.value.version > search.version) return;
    this.searches.delete(key);
    this.searches.set(key, { value: search, at });
    trim(this.searches, MAX_SEARCHES);
  }
}

function searchKey(tenantId: string, searchId: string): string {
  return `${tenantId}\u0000${searchId}`;
}

// A clock that went back does not stretch the trust.
function isFresh(remembered: Remembered<unknown>, now: number, { maxAgeMs }: ReadFreshness): boolean {
  return now >= remembered.at && now - remembered.at < maxAgeMs;
}

/** Moves `key` to the most recently used end (a `Map` keeps insertion order). */
function touch<K, V>(map: Map<K, V>, key: K, value: V): V {
  map.delete(key);
  map.set(key, value);
  return value;
}

function trim(map: Map<unknown, unknown>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value);
}
