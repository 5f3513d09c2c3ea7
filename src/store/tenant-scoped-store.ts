import type { SearchRecord, TrialRecord } from '../search/records.js';
import type {
  ApiKeyRecord,
  DatasetSourceRecord,
  IdempotencyBinding,
  Page,
  PageRequest,
  ReadFreshness,
  RequestWindow,
  SessionRecord,
  SlotHolder,
  SlotPool,
  Store,
  TrialExpectation,
  TrialPatch,
} from './store.js';

/**
 * A Store that sends each call about a tenant's records to a store of that tenant alone (one whose
 * credentials reach only the partitions `TENANT#<t>` and `TENANT#<t>#...`), and the platform's calls
 * (API keys and dashboard sessions looked up before the tenant is known, the sweep's index of active
 * searches) to the platform store. A key built for another tenant than the one named, by a bug anywhere
 * below, is then refused by IAM rather than served.
 *
 * `putApiKey` goes to the platform store too: in the cloud only operators create keys (`nas admin`, with
 * their own credentials); the functions' platform credentials may only read them.
 */
export class TenantScopedStore implements Store {
  // Methods are async, so that a tenant id refused when its credentials are asked for rejects, not throws.
  constructor(
    private readonly platform: Store,
    private readonly forTenant: (tenantId: string) => Store,
  ) {}

  async createSearch(search: SearchRecord): Promise<void> {
    return this.forTenant(search.tenantId).createSearch(search);
  }

  async getSearch(tenantId: string, searchId: string, freshness?: ReadFreshness): Promise<SearchRecord | undefined> {
    return this.forTenant(tenantId).getSearch(tenantId, searchId, freshness);
  }

  async listSearches(tenantId: string, page: PageRequest, freshness?: ReadFreshness): Promise<Page<SearchRecord>> {
    return this.forTenant(tenantId).listSearches(tenantId, page, freshness);
  }

  async saveSearch(search: SearchRecord): Promise<SearchRecord> {
    return this.forTenant(search.tenantId).saveSearch(search);
  }

  async recordProgress(tenantId: string, searchId: string, at: string): Promise<void> {
    return this.forTenant(tenantId).recordProgress(tenantId, searchId, at);
  }

  async listActiveSearches(): Promise<{ tenantId: string; searchId: string }[]> {
    return this.platform.listActiveSearches();
  }

  async claimIdempotencyKey(tenantId: string, key: string, binding: IdempotencyBinding): Promise<IdempotencyBinding> {
    return this.forTenant(tenantId).claimIdempotencyKey(tenantId, key, binding);
  }

  async putApiKey(record: ApiKeyRecord): Promise<boolean> {
    return this.platform.putApiKey(record);
  }

  async getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.platform.getApiKey(keyHash);
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.forTenant(tenantId).listApiKeys(tenantId);
  }

  async deleteApiKey(tenantId: string, keyHash: string): Promise<boolean> {
    return this.forTenant(tenantId).deleteApiKey(tenantId, keyHash);
  }

  async claimArchitecture(tenantId: string, searchId: string, archHash: string, trialNumber: number): Promise<boolean> {
    return this.forTenant(tenantId).claimArchitecture(tenantId, searchId, archHash, trialNumber);
  }

  async createTrial(trial: TrialRecord): Promise<boolean> {
    return this.forTenant(trial.tenantId).createTrial(trial);
  }

  async getTrial(tenantId: string, searchId: string, trialNumber: number): Promise<TrialRecord | undefined> {
    return this.forTenant(tenantId).getTrial(tenantId, searchId, trialNumber);
  }

  async listTrials(tenantId: string, searchId: string, page: PageRequest): Promise<Page<TrialRecord>> {
    return this.forTenant(tenantId).listTrials(tenantId, searchId, page);
  }

  async allTrials(tenantId: string, searchId: string): Promise<TrialRecord[]> {
    return this.forTenant(tenantId).allTrials(tenantId, searchId);
  }

  async getTrials(tenantId: string, searchId: string, trialNumbers: readonly number[]): Promise<TrialRecord[]> {
    return this.forTenant(tenantId).getTrials(tenantId, searchId, trialNumbers);
  }

  async trialsAfter(tenantId: string, searchId: string, trialNumber: number): Promise<TrialRecord[]> {
    return this.forTenant(tenantId).trialsAfter(tenantId, searchId, trialNumber);
  }

  async putTrials(trials: readonly TrialRecord[]): Promise<void> {
    // Each tenant's trials go through that tenant's credentials; a batch is one search's, so one tenant's.
    const byTenant = new Map<string, TrialRecord[]>();
    for (const trial of trials) byTenant.set(trial.tenantId, [...(byTenant.get(trial.tenantId) ?? []), trial]);
    for (const [tenantId, own] of byTenant) await this.forTenant(tenantId).putTrials(own);
  }

  async updateTrial(tenantId: string, searchId: string, trialNumber: number, patch: TrialPatch, expect?: TrialExpectation): Promise<boolean> {
    return this.forTenant(tenantId).updateTrial(tenantId, searchId, trialNumber, patch, expect);
  }

  async countRequest(tenantId: string, at: Date, windowMs: number, requests?: number): Promise<RequestWindow> {
    return this.forTenant(tenantId).countRequest(tenantId, at, windowMs, requests);
  }

  async takeSlot(tenantId: string, pool: SlotPool, holder: string, stamp: number, max: number): Promise<boolean> {
    return this.forTenant(tenantId).takeSlot(tenantId, pool, holder, stamp, max);
  }

  async slotHolders(tenantId: string, pool: SlotPool): Promise<SlotHolder[]> {
    return this.forTenant(tenantId).slotHolders(tenantId, pool);
  }

  async releaseSlot(tenantId: string, pool: SlotPool, holder: string, stamp?: number): Promise<void> {
    return this.forTenant(tenantId).releaseSlot(tenantId, pool, holder, stamp);
  }

  async putSession(session: SessionRecord): Promise<void> {
    return this.platform.putSession(session);
  }

  async getSession(sessionHash: string): Promise<SessionRecord | undefined> {
    return this.platform.getSession(sessionHash);
  }

  async deleteSession(sessionHash: string): Promise<void> {
    return this.platform.deleteSession(sessionHash);
  }

  async putDatasetSource(source: DatasetSourceRecord): Promise<void> {
    return this.forTenant(source.tenantId).putDatasetSource(source);
  }

  async listDatasetSources(tenantId: string): Promise<DatasetSourceRecord[]> {
    return this.forTenant(tenantId).listDatasetSources(tenantId);
  }

  async deleteDatasetSource(tenantId: string, uri: string): Promise<boolean> {
    return this.forTenant(tenantId).deleteDatasetSource(tenantId, uri);
  }
}
