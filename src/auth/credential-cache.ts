import type { ApiKeyRecord, SessionRecord, Store } from '../store/store.js';

/** The reads that name a request's tenant before anything else runs: an API key's record and a session's. */
export type CredentialReads = Pick<Store, 'getApiKey' | 'getSession'>;

/**
 * How long a key or session found in the store is trusted before it is read again (`NAS_CREDENTIAL_CACHE_SECONDS`).
 * It bounds how long a key revoked or a session ended by another process (another API Lambda, `nas admin`)
 * still lets requests in here; in this process they end at once (`credentialsEnded`).
 */
export const DEFAULT_CREDENTIAL_CACHE_SECONDS = 5;

/**
 * Keys, and sessions, that one cache remembers at most (about 300 bytes each): however many callers the
 * service has, its memory stays bounded, the least recently used going first.
 */
export const MAX_CACHED_CREDENTIALS = 10_000;

/**
 * Counts the keys and sessions this process deleted. Process-wide rather than per cache or per store:
 * the store that deletes is not always the one the API reads through (`nas admin` in a test or a script
 * has its own; `TenantScopedStore` deletes through the tenant's and reads through the platform's), and
 * every one of them must end the credential here at once. A delete makes every cache read everything
 * again, which costs one read per key in use: deletes are rare.
 */
let deletions = 0;

/**
 * Ends, in every cache of this process, what a delete of an API key or a session just ended in the store.
 * The store calls it after each such delete (src/store/dynamodb-store.ts), so no code path can revoke a key
 * and leave a copy behind.
 */
export function credentialsEnded(): void {
  deletions++;
}

interface Found<V> {
  readonly value: V;
  /** When the read that found it started, in ms of the cache's clock. */
  readonly readAt: number;
  /** `deletions` when that read started. */
  readonly deletions: number;
}

/** Records found by id, each trusted for `ttlMs` after its read started; a bounded LRU (a `Map` keeps insertion order). */
class RecentlyFound<V> {
  private readonly found = new Map<string, Found<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  async get(id: string, read: (id: string) => Promise<V | undefined>): Promise<V | undefined> {
    const now = this.now();
    const hit = this.found.get(id);
    this.found.delete(id);
    // A clock that went back does not stretch the trust: `now < readAt` reads again too.
    if (hit && hit.deletions === deletions && now >= hit.readAt && now - hit.readAt < this.ttlMs) {
      this.found.set(id, hit);
      return hit.value;
    }
    const before = deletions;
    const value = await read(id);
    // An unknown id is not remembered: a key created a moment ago works on its first request, and ids
    // sprayed at random take no memory. Nor is a record that a delete overtook while it was read.
    if (value !== undefined && before === deletions) {
      if (this.found.size >= MAX_CACHED_CREDENTIALS) this.found.delete(this.found.keys().next().value!);
      this.found.set(id, { value, readAt: now, deletions: before });
    }
    return value;
  }
}

/**
 * Every `/v1` request looked its key (or its session and the session's key) up in the store: one of a
 * read's two store calls under `npm run bench:load` (docs/architecture.md, "Where we depart from the
 * original design"). This remembers what was found for a few seconds; what was not found is read again.
 */
class CachedCredentials implements CredentialReads {
  private readonly keys: RecentlyFound<ApiKeyRecord>;
  private readonly sessions: RecentlyFound<SessionRecord>;

  constructor(
    private readonly store: CredentialReads,
    ttlMs: number,
    now: () => number,
  ) {
    this.keys = new RecentlyFound(ttlMs, now);
    this.sessions = new RecentlyFound(ttlMs, now);
  }

  getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.keys.get(keyHash, (hash) => this.store.getApiKey(hash));
  }

  getSession(sessionHash: string): Promise<SessionRecord | undefined> {
    return this.sessions.get(sessionHash, (hash) => this.store.getSession(hash));
  }
}

/**
 * `store`'s key and session reads, remembered for `seconds` by `clock` (a session's own expiry is still
 * checked against the clock on every request, src/auth/sessions.ts); `seconds` 0 reads the store every time.
 */
export function cachedCredentialReads(store: CredentialReads, seconds: number, clock: () => Date): CredentialReads {
  return seconds > 0 ? new CachedCredentials(store, seconds * 1000, () => clock().getTime()) : store;
}
