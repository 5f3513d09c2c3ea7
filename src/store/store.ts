import type { SearchRecord, TrialRecord } from '../search/records.js';
import type { TrialStatus } from '../search/states.js';

export interface Page<T> {
  readonly items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  readonly nextToken?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly nextToken?: string;
}

/** Conditions a trial update is applied under; an update whose condition fails changes nothing. */
export interface TrialExpectation {
  readonly status?: readonly TrialStatus[];
  readonly attempt?: number;
  /** The trial's lease is `id` and, given `liveAt`, runs out after it (an external worker's report or completion). */
  readonly lease?: { readonly id: string; readonly liveAt?: string };
}

export interface IdempotencyBinding {
  readonly searchId: string;
  /** Hash of the request body the key was first used with. */
  readonly requestHash: string;
}

/** An API key as stored: only its hash, never the key itself. */
export interface ApiKeyRecord {
  readonly keyHash: string;
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: string;
}

export type TrialPatch = Partial<Omit<TrialRecord, 'tenantId' | 'searchId' | 'number' | 'createdAt'>>;

/**
 * How old a read of search records may be: what the API's read routes ask, so that a dashboard polling a
 * running search does not cost a store read per request (issue #18). A store answers its own writes at
 * once; others' show once `maxAgeMs` has passed (src/store/recent-searches.ts).
 */
export interface ReadFreshness {
  readonly maxAgeMs: number;
}

/**
 * Records of searches and trials. Every write that could race is conditional, so a retried or duplicated
 * caller never double-writes.
 *
 * Contract: reads of an unknown id return `undefined` (never throw); `getSearch` with another tenant's id
 * behaves as unknown; a lost optimistic-lock race throws `VersionConflict`; an unreadable store throws
 * `Unavailable`.
 */
export interface Store {
  /** Writes a new search; throws `Conflict` if the id exists. */
  createSearch(search: SearchRecord): Promise<void>;
  /** Read now (strongly consistent), or, given `freshness`, as this store read or wrote it at most `maxAgeMs` ago. */
  getSearch(tenantId: string, searchId: string, freshness?: ReadFreshness): Promise<SearchRecord | undefined>;
  /** Newest first; `freshness` as for `getSearch`. */
  listSearches(tenantId: string, page: PageRequest, freshness?: ReadFreshness): Promise<Page<SearchRecord>>;
  /** Writes `search` with `version + 1` if the stored version is still `search.version`; returns what was written. */
  saveSearch(search: SearchRecord): Promise<SearchRecord>;
  /**
   * Marks that a running trial of the search made progress (a training epoch), without a version check:
   * it changes nothing the controller decides on, and followers of the search see something new.
   */
  recordProgress(tenantId: string, searchId: string, at: string): Promise<void>;
  /** Searches not yet finished, across tenants, for the periodic sweep. */
  listActiveSearches(): Promise<{ tenantId: string; searchId: string }[]>;

  /**
   * Binds a client's idempotency key to a search id and a fingerprint of the request, once. Returns the
   * binding that holds afterwards: this one, or the one an earlier request made.
   */
  claimIdempotencyKey(tenantId: string, key: string, binding: IdempotencyBinding): Promise<IdempotencyBinding>;

  /**
   * Stores an API key's record and lists it under its tenant; false if that hash is already registered
   * (then the index entry of the tenant holding it is written again, so a lost one heals).
   */
  putApiKey(record: ApiKeyRecord): Promise<boolean>;
  getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** A tenant's keys, oldest first. */
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  /**
   * Revokes a key of the tenant: it stops authenticating at once in this process, and in others once
   * their credential caches let go of it (src/auth/credential-cache.ts). False if the tenant has no such key.
   */
  deleteApiKey(tenantId: string, keyHash: string): Promise<boolean>;

  // Trials are reached through their tenant too: their keys start with `TENANT#<t>`, so credentials scoped
  // to one tenant (DynamoDB's `dynamodb:LeadingKeys`) cannot read another's, and a bug passing the wrong
  // tenant finds nothing.
  /** Reserves an architecture for a trial number; false if the search already has it. */
  claimArchitecture(tenantId: string, searchId: string, archHash: string, trialNumber: number): Promise<boolean>;
  /** Writes a new trial (under `trial.tenantId`); false if the number is taken. */
  createTrial(trial: TrialRecord): Promise<boolean>;
  getTrial(tenantId: string, searchId: string, trialNumber: number): Promise<TrialRecord | undefined>;
  /** In trial-number order. */
  listTrials(tenantId: string, searchId: string, page: PageRequest): Promise<Page<TrialRecord>>;
  allTrials(tenantId: string, searchId: string): Promise<TrialRecord[]>;
  /** The trials with these numbers that exist, in the order asked (batched reads: what a tick reads of its open trials). */
  getTrials(tenantId: string, searchId: string, trialNumbers: readonly number[]): Promise<TrialRecord[]>;
  /** The trials numbered above `trialNumber`, in number order (those written after the search record last counted them). */
  trialsAfter(tenantId: string, searchId: string, trialNumber: number): Promise<TrialRecord[]>;
  /**
   * Writes finished trials as they are (batched, unconditional): only for trials whose content the search
   * record already fixed (the controller's in-process batch), so writing one again changes nothing.
   */
  putTrials(trials: readonly TrialRecord[]): Promise<void>;
  /** Applies `patch` if `expect` holds; returns whether it did. */
  updateTrial(tenantId: string, searchId: string, trialNumber: number, patch: TrialPatch, expect?: TrialExpectation): Promise<boolean>;

  // What keeps one tenant from taking the whole service, counted in the store so that every API instance
  // (every Lambda) sees the same numbers. Each is one conditional write: dynalite has no transactions.
  /**
   * Counts `requests` (default 1: an API instance may count several at once) in the tenant's current
   * window, which starts at its first request and lasts `windowMs`; a request after the window's end
   * starts the next one.
   */
  countRequest(tenantId: string, at: Date, windowMs: number, requests?: number): Promise<RequestWindow>;
  /**
   * Gives `holder` a slot of the tenant's `pool` with `stamp` (a time, in ms since the epoch), if the pool
   * has fewer than `max` holders or `holder` already has one (then its stamp is renewed). Atomic: concurrent
   * callers never take more than `max` slots. False when the pool is full.
   */
  takeSlot(tenantId: string, pool: SlotPool, holder: string, stamp: number, max: number): Promise<boolean>;
  /** The pool's holders and their stamps. */
  slotHolders(tenantId: string, pool: SlotPool): Promise<SlotHolder[]>;
  /** Frees `holder`'s slot; with `stamp`, only if the holder still has that stamp (it was not renewed since). */
  releaseSlot(tenantId: string, pool: SlotPool, holder: string, stamp?: number): Promise<void>;

  /** Stores a dashboard session (by the hash of its id, never the id itself). */
  putSession(session: SessionRecord): Promise<void>;
  /** The session, expired or not; `undefined` if unknown or ended. */
  getSession(sessionHash: string): Promise<SessionRecord | undefined>;
  deleteSession(sessionHash: string): Promise<void>;

  /** Registers an S3 prefix the tenant's searches may read datasets from (again: keeps the first record). */
  putDatasetSource(source: DatasetSourceRecord): Promise<void>;
  /** The tenant's registered dataset sources, in URI order. */
  listDatasetSources(tenantId: string): Promise<DatasetSourceRecord[]>;
  /** False if the tenant had no such source. */
  deleteDatasetSource(tenantId: string, uri: string): Promise<boolean>;
}

/** A tenant registers a handful of buckets; the API refuses more than this. */
export const MAX_DATASET_SOURCES = 100;

/** An S3 prefix (`s3://bucket/prefix/`) a tenant registered as a place its datasets may come from. */
export interface DatasetSourceRecord {
  readonly tenantId: string;
  readonly uri: string;
  readonly createdAt: string;
}

/** A tenant's request count in its current rate-limit window. */
export interface RequestWindow {
  readonly count: number;
  readonly endsAt: Date;
}

/** Bounded sets of holders per tenant: `searches` holds unfinished search ids, `event-streams` open streams. */
export type SlotPool = 'searches' | 'event-streams';

export interface SlotHolder {
  readonly holder: string;
  readonly stamp: number;
}

/** A dashboard sign-in: its id is in the reader's cookie, only its hash here. */
export interface SessionRecord {
  readonly sessionHash: string;
  readonly tenantId: string;
  /** The API key it was signed in with: revoking that key ends the session. */
  readonly keyHash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}
