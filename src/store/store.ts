import type { SearchRecord, TrialRecord, TrialStatus } from '../search/records.js';

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
  getSearch(tenantId: string, searchId: string): Promise<SearchRecord | undefined>;
  /** Newest first. */
  listSearches(tenantId: string, page: PageRequest): Promise<Page<SearchRecord>>;
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
  /** Revokes a key of the tenant: it stops authenticating at once. False if the tenant has no such key. */
  deleteApiKey(tenantId: string, keyHash: string): Promise<boolean>;

  /** Reserves an architecture for a trial number; false if the search already has it. */
  claimArchitecture(searchId: string, archHash: string, trialNumber: number): Promise<boolean>;
  /** Writes a new trial; false if the number is taken. */
  createTrial(trial: TrialRecord): Promise<boolean>;
  getTrial(searchId: string, trialNumber: number): Promise<TrialRecord | undefined>;
  /** In trial-number order. */
  listTrials(searchId: string, page: PageRequest): Promise<Page<TrialRecord>>;
  allTrials(searchId: string): Promise<TrialRecord[]>;
  /** Applies `patch` if `expect` holds; returns whether it did. */
  updateTrial(searchId: string, trialNumber: number, patch: TrialPatch, expect?: TrialExpectation): Promise<boolean>;
}
