import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { credentialsEnded } from '../auth/credential-cache.js';
import { Conflict, InvalidRequest, Unavailable, VersionConflict } from '../errors.js';
import type { SearchRecord, TrialRecord } from '../search/records.js';
import { isActiveSearch } from '../search/states.js';
import { RecentSearches, type SearchWrite } from './recent-searches.js';
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
import { MAX_DATASET_SOURCES } from './store.js';
import { ACTIVE_PARTITION, ACTIVE_SEARCHES_INDEX, TTL_ATTRIBUTE } from './table.js';

const tenantKey = (tenantId: string) => `TENANT#${tenantId}`;
const searchKey = (searchId: string) => `SEARCH#${searchId}`;
/** The partition of a search's trials and architecture guards: under the tenant, like everything it owns. */
const searchPartition = (tenantId: string, searchId: string) => `${tenantKey(tenantId)}#${searchKey(searchId)}`;
const trialKey = (trialNumber: number) => `TRIAL#${String(trialNumber).padStart(6, '0')}`;
const hashKey = (archHash: string) => `HASH#${archHash}`;
const apiKeyKey = (keyHash: string) => `APIKEY#${keyHash}`;
/** A key's record sits at `APIKEY#<hash>` for requests, and again under its tenant for operators. */
const apiKeyItemKey = (keyHash: string) => ({ pk: apiKeyKey(keyHash), sk: 'APIKEY' });
const apiKeyIndexItemKey = (tenantId: string, keyHash: string) => ({ pk: tenantKey(tenantId), sk: apiKeyKey(keyHash) });
const DATASET_SOURCE_PREFIX = 'DATASOURCE#';
const datasetSourceItemKey = (tenantId: string, uri: string) => ({ pk: tenantKey(tenantId), sk: `${DATASET_SOURCE_PREFIX}${uri}` });
const KEY_ATTRIBUTES = ['pk', 'sk', 'activePk'];
const rateItemKey = (tenantId: string) => ({ pk: tenantKey(tenantId), sk: 'RATE' });
const slotsItemKey = (tenantId: string, pool: SlotPool) => ({ pk: tenantKey(tenantId), sk: `SLOTS#${pool}` });
const sessionItemKey = (sessionHash: string) => ({ pk: `SESSION#${sessionHash}`, sk: 'SESSION' });
/** DynamoDB's time to live reads whole seconds since the epoch. */
const deleteAfter = (at: Date | number) => ({ [TTL_ATTRIBUTE]: Math.ceil(new Date(at).getTime() / 1000) });

/** Errors that mean "the store is not answering right now" rather than "this request is wrong". */
const TRANSIENT_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function toStoreError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: string }).code;
  if (TRANSIENT_ERRORS.has(error.name) || (code !== undefined && NETWORK_CODES.has(code))) {
    return new Unavailable(`record store unavailable: ${error.message || code}`);
  }
  return error;
}

function withoutKeys<T>(item: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.includes(name))) as T;
}

/**
 * A search's `ledger` is stored as one JSON string attribute, not as nested DynamoDB maps (issue #18): it
 * carries the round's in-process trials and the Pareto front, is rewritten with every round and read with
 * every view of the search, and no expression ever reads inside it. As maps, every number and field of it
 * was converted and type-tagged on each write and each read (by the SDK on ours, by DynamoDB on its side);
 * as a string it is one native `JSON.stringify` and `JSON.parse`. Records written with the map (older
 * versions) are still read; the next save writes the string. A reader that knows only the map sees no
 * ledger and rebuilds it from the trials, as for a search from before ledgers; should it save the record,
 * its map is the newer ledger (this code never writes one), so a map wins over the string beside it.
 */
const LEDGER_ATTRIBUTE = 'ledgerJson';

function searchOf(item: Record<string, unknown>): SearchRecord {
  const { [LEDGER_ATTRIBUTE]: ledgerJson, ...record } = withoutKeys<Record<string, unknown>>(item);
  const decoded = typeof ledgerJson === 'string' && record.ledger === undefined ? { ...record, ledger: JSON.parse(ledgerJson) as unknown } : record;
  return decoded as unknown as SearchRecord;
}

function encodeToken(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/**
 * The start key a `nextToken` names. A token is only ever the last key of a page of the very same query:
 * one naming another partition would read another tenant's records, and one of another shape would make
 * DynamoDB fail, so anything else is refused.
 */
function decodeToken(token: string | undefined, partition: unknown, prefix: unknown): Record<string, unknown> | undefined {
  if (token === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    // refused below like any other token this API did not return
  }
  if (isPageKey(key, partition, typeof prefix === 'string' ? prefix : '')) return key;
  throw new InvalidRequest('nextToken', 'nextToken is not a token this API returned');
}

function isPageKey(key: unknown, partition: unknown, prefix: string): key is Record<string, unknown> {
  if (!key || typeof key !== 'object' || Array.isArray(key)) return false;
  const { pk, sk, ...others } = key as Record<string, unknown>;
  return Object.keys(others).length === 0 && pk === partition && typeof sk === 'string' && sk.startsWith(prefix);
}

/** Waits before asking again for what a batch call left unprocessed: 10 ms, doubling, at most 1 s. */
function backOff(round: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(1000, 10 * 2 ** round)));
}

export interface DynamoDbStoreOptions {
  readonly tableName: string;
  readonly client: DynamoDBClientConfig;
  /**
   * Told every write of search records this store makes, so that another store of the process answers it
   * at once too (`heard`): the local service's controller thread tells the API's.
   */
  readonly onSearchWrite?: (write: SearchWrite) => void;
}

/** The `Store` on DynamoDB (in the cloud) or dynalite (the embedded default): same code either way. */
export class DynamoDbStore implements Store {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  /** What reads with a `ReadFreshness` are answered from; every search write of this store goes through it. */
  private readonly recent = new RecentSearches();

  private readonly onSearchWrite: ((write: SearchWrite) => void) | undefined;

  constructor({ tableName, client, onSearchWrite }: DynamoDbStoreOptions) {
    this.tableName = tableName;
    this.onSearchWrite = onSearchWrite;
    this.documents = DynamoDBDocumentClient.from(new DynamoDBClient(client), {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  /** A write of search records another store of this process made: reads with a `ReadFreshness` answer it at once. */
  heard(write: SearchWrite): void {
    this.recent.apply(write);
  }

  private wrote(write: SearchWrite): void {
    this.recent.apply(write);
    this.onSearchWrite?.(write);
  }

  private async send<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private searchItem(search: SearchRecord): Record<string, unknown> {
    const { ledger, ...record } = search;
    return {
      ...record,
      ...(ledger ? { [LEDGER_ATTRIBUTE]: JSON.stringify(ledger) } : {}),
      pk: tenantKey(search.tenantId),
      sk: searchKey(search.id),
      ...(isActiveSearch(search.status) ? { activePk: ACTIVE_PARTITION } : {}),
    };
  }

  async createSearch(search: SearchRecord): Promise<void> {
    try {
      await this.send(() =>
        this.documents.send(
          new PutCommand({
            TableName: this.tableName,
            Item: this.searchItem(search),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new Conflict(`search ${search.id} already exists`);
      this.wrote({ kind: 'unknown', tenantId: search.tenantId, searchId: search.id });
      throw error;
    }
    this.wrote({ kind: 'created', search });
  }

  async getSearch(tenantId: string, searchId: string, freshness?: ReadFreshness): Promise<SearchRecord | undefined> {
    const read = () => this.readSearch(tenantId, searchId);
    return freshness ? this.recent.search(tenantId, searchId, freshness, read) : read();
  }

  private async readSearch(tenantId: string, searchId: string): Promise<SearchRecord | undefined> {
    const { Item } = await this.send(() =>
      this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: tenantKey(tenantId), sk: searchKey(searchId) }, ConsistentRead: true }),
      ),
    );
    return Item ? searchOf(Item) : undefined;
  }

  async listSearches(tenantId: string, page: PageRequest, freshness?: ReadFreshness): Promise<Page<SearchRecord>> {
    const read = () =>
      this.queryPage<SearchRecord>(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': tenantKey(tenantId), ':prefix': 'SEARCH#' },
          ScanIndexForward: false,
        },
        page,
        searchOf,
      );
    return freshness ? this.recent.page(tenantId, page, freshness, read) : read();
  }

  async saveSearch(search: SearchRecord): Promise<SearchRecord> {
    const next: SearchRecord = { ...search, version: search.version + 1 };
    try {
      await this.send(() =>
        this.documents.send(
          new PutCommand({
            TableName: this.tableName,
            Item: this.searchItem(next),
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': search.version },
          }),
        ),
      );
    } catch (error) {
      this.wrote({ kind: 'unknown', tenantId: search.tenantId, searchId: search.id });
      if (isConditionFailure(error)) throw new VersionConflict(`search ${search.id} changed since version ${search.version}`);
      throw error;
    }
    this.wrote({ kind: 'saved', search: next });
    return next;
  }

  async recordProgress(tenantId: string, searchId: string, at: string): Promise<void> {
    try {
      await this.send(() =>
        this.documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: tenantKey(tenantId), sk: searchKey(searchId) },
            UpdateExpression: 'SET progressAt = :at',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':at': at },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) {
        this.wrote({ kind: 'unknown', tenantId, searchId });
        throw error;
      }
      return;
    }
    this.wrote({ kind: 'progressed', tenantId, searchId, at });
  }

  async listActiveSearches(): Promise<{ tenantId: string; searchId: string }[]> {
    const items = await this.queryAll({
      IndexName: ACTIVE_SEARCHES_INDEX.name,
      KeyConditionExpression: 'activePk = :active',
      ExpressionAttributeValues: { ':active': ACTIVE_PARTITION },
    });
    return items.map((item) => ({ tenantId: String(item.pk).slice('TENANT#'.length), searchId: String(item.sk).slice('SEARCH#'.length) }));
  }

  async claimIdempotencyKey(tenantId: string, key: string, binding: IdempotencyBinding): Promise<IdempotencyBinding> {
    const item = { pk: tenantKey(tenantId), sk: `IDEMPOTENCY#${key}` };
    if (await this.putIfAbsent({ ...item, ...binding })) return binding;
    const { Item } = await this.send(() => this.documents.send(new GetCommand({ TableName: this.tableName, Key: item, ConsistentRead: true })));
    return { searchId: String(Item!.searchId), requestHash: String(Item!.requestHash) };
  }

  async putApiKey(record: ApiKeyRecord): Promise<boolean> {
    // Without transactions (dynalite has none), the key goes first and its index entry second. A key is
    // only handed out once both are written, so a crash in between leaves a key nobody holds.
    const created = await this.putIfAbsent({ ...record, ...apiKeyItemKey(record.keyHash) });
    const holder = created ? record : await this.getApiKey(record.keyHash);
    if (holder) {
      await this.send(() =>
        this.documents.send(new PutCommand({ TableName: this.tableName, Item: { ...holder, ...apiKeyIndexItemKey(holder.tenantId, holder.keyHash) } })),
      );
    }
    return created;
  }

  async getApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.send(() => this.documents.send(new GetCommand({ TableName: this.tableName, Key: apiKeyItemKey(keyHash) })));
    return Item ? withoutKeys<ApiKeyRecord>(Item) : undefined;
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': tenantKey(tenantId), ':prefix': apiKeyKey('') },
      ConsistentRead: true,
    });
    return items.map((item) => withoutKeys<ApiKeyRecord>(item)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }


  async deleteApiKey(tenantId: string, keyHash: string): Promise<boolean> {
    let revoked: boolean;
    try {
      // The key first, so that it stops working even if the index entry outlives it; never another tenant's.
      const { Attributes } = await this.send(() =>
        this.documents.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: apiKeyItemKey(keyHash),
            ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :tenant',
            ExpressionAttributeValues: { ':tenant': tenantId },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      revoked = Attributes !== undefined;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    } finally {
      // Even after an error: the delete may have landed. The API's caches in this process forget the key.
      credentialsEnded();
    }
    const { Attributes } = await this.send(() =>
      this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: apiKeyIndexItemKey(tenantId, keyHash), ReturnValues: 'ALL_OLD' })),
    );
    return revoked || Attributes !== undefined;
  }

  async claimArchitecture(tenantId: string, searchId: string, archHash: string, trialNumber: number): Promise<boolean> {
    return this.putIfAbsent({ pk: searchPartition(tenantId, searchId), sk: hashKey(archHash), trialNumber });
  }

  async createTrial(trial: TrialRecord): Promise<boolean> {
    return this.putIfAbsent({ ...trial, pk: searchPartition(trial.tenantId, trial.searchId), sk: trialKey(trial.number) });
  }

  private async putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.send(() =>
        this.documents.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getTrial(tenantId: string, searchId: string, trialNumber: number): Promise<TrialRecord | undefined> {
    const { Item } = await this.send(() =>
      this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: searchPartition(tenantId, searchId), sk: trialKey(trialNumber) }, ConsistentRead: true }),
      ),
    );
    return Item ? withoutKeys<TrialRecord>(Item) : undefined;
  }

  async listTrials(tenantId: string, searchId: string, page: PageRequest): Promise<Page<TrialRecord>> {
    return this.queryPage<TrialRecord>(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': searchPartition(tenantId, searchId), ':prefix': 'TRIAL#' },
        ConsistentRead: true,
      },
      page,
    );
  }

  async allTrials(tenantId: string, searchId: string): Promise<TrialRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': searchPartition(tenantId, searchId), ':prefix': 'TRIAL#' },
      ConsistentRead: true,
    });
    return items.map((item) => withoutKeys<TrialRecord>(item));
  }


  async getTrials(tenantId: string, searchId: string, trialNumbers: readonly number[]): Promise<TrialRecord[]> {
    const pk = searchPartition(tenantId, searchId);
    const found = new Map<number, TrialRecord>();
    // BatchGetItem takes 100 keys and may leave some unprocessed (throttling): ask again for those.
    for (let start = 0; start < trialNumbers.length; start += 100) {
      let keys: Record<string, unknown>[] | undefined = [...new Set(trialNumbers.slice(start, start + 100))].map((n) => ({ pk, sk: trialKey(n) }));
      for (let round = 0; keys && keys.length > 0; round++) {
        const requested: Record<string, unknown>[] = keys;
        const { Responses, UnprocessedKeys } = await this.send(() =>
          this.documents.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: requested, ConsistentRead: true } } })),
        );
        for (const item of Responses?.[this.tableName] ?? []) {
          const trial = withoutKeys<TrialRecord>(item);
          found.set(trial.number, trial);
        }
        keys = UnprocessedKeys?.[this.tableName]?.Keys;
        if (keys && keys.length > 0) await backOff(round);
      }
    }
    return trialNumbers.flatMap((n) => (found.has(n) ? [found.get(n)!] : []));
  }

  async trialsAfter(tenantId: string, searchId: string, trialNumber: number): Promise<TrialRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': searchPartition(tenantId, searchId), ':from': trialKey(trialNumber + 1), ':to': 'TRIAL#999999' },
      ConsistentRead: true,
    });
    return items.map((item) => withoutKeys<TrialRecord>(item));
  }

  async putTrials(trials: readonly TrialRecord[]): Promise<void> {
    // BatchWriteItem takes 25 puts and may leave some unprocessed: write those again until none are left.
    for (let start = 0; start < trials.length; start += 25) {
      let requests: { PutRequest: { Item: Record<string, unknown> } }[] | undefined = trials
        .slice(start, start + 25)
        .map((trial) => ({ PutRequest: { Item: { ...trial, pk: searchPartition(trial.tenantId, trial.searchId), sk: trialKey(trial.number) } } }));
      for (let round = 0; requests && requests.length > 0; round++) {
        const pending: { PutRequest: { Item: Record<string, unknown> } }[] = requests;
        const { UnprocessedItems } = await this.send(() => this.documents.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } })));
        requests = UnprocessedItems?.[this.tableName] as typeof requests;
        if (requests && requests.length > 0) await backOff(round);
      }
    }
  }

  async updateTrial(tenantId: string, searchId: string, trialNumber: number, patch: TrialPatch, expect: TrialExpectation = {}): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const removes: string[] = [];
    for (const [field, value] of Object.entries(patch)) {
      names[`#${field}`] = field;
      if (value === undefined) {
        removes.push(`#${field}`);
      } else {
        values[`:${field}`] = value;
        sets.push(`#${field} = :${field}`);
      }
    }
    const conditions = ['attribute_exists(pk)'];
    if (expect.status) {
      names['#expectStatus'] = 'status';
      const placeholders = expect.status.map((status, i) => {
        values[`:expectStatus${i}`] = status;
        return `:expectStatus${i}`;
      });
      conditions.push(`#expectStatus IN (${placeholders.join(', ')})`);
    }
    if (expect.attempt !== undefined) {
      names['#expectAttempt'] = 'attempt';
      values[':expectAttempt'] = expect.attempt;
      conditions.push('#expectAttempt = :expectAttempt');
    }
    if (expect.lease) {
      // ISO timestamps of one format order as strings do.
      names['#expectLeaseId'] = 'leaseId';
      values[':expectLeaseId'] = expect.lease.id;
      conditions.push('#expectLeaseId = :expectLeaseId');
      if (expect.lease.liveAt !== undefined) {
        names['#expectLeaseExpiresAt'] = 'leaseExpiresAt';
        values[':expectLeaseLiveAt'] = expect.lease.liveAt;
        conditions.push('#expectLeaseExpiresAt > :expectLeaseLiveAt');
      }
    }
    const update = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
    try {
      await this.send(() =>
        this.documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: searchPartition(tenantId, searchId), sk: trialKey(trialNumber) },
            UpdateExpression: update,
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async countRequest(tenantId: string, at: Date, windowMs: number, requests = 1): Promise<RequestWindow> {
    const now = at.getTime();
    // Two writers may both find the window over; the conditional put lets one start the next, and the
    // other counts in it on its next turn.
    for (;;) {
      try {
        const { Attributes } = await this.send(() =>
          this.documents.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: rateItemKey(tenantId),
              UpdateExpression: 'ADD requests :requests',
              ConditionExpression: 'windowEnd > :now',
              ExpressionAttributeValues: { ':requests': requests, ':now': now },
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        return { count: Number(Attributes!.requests), endsAt: new Date(Number(Attributes!.windowEnd)) };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const windowEnd = now + windowMs;
      const started = await this.succeeds(() =>
        this.documents.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...rateItemKey(tenantId), requests, windowEnd, ...deleteAfter(windowEnd + windowMs) },
            ConditionExpression: 'attribute_not_exists(windowEnd) OR windowEnd <= :now',
            ExpressionAttributeValues: { ':now': now },
          }),
        ),
      );
      if (started) return { count: requests, endsAt: new Date(windowEnd) };
    }
  }

  async takeSlot(tenantId: string, pool: SlotPool, holder: string, stamp: number, max: number): Promise<boolean> {
    const Key = slotsItemKey(tenantId, pool);
    const take = () =>
      this.succeeds(() =>
        this.documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key,
            UpdateExpression: 'SET #holders.#holder = :stamp',
            // `size` of a missing map fails too: the pool's first slot creates the map below.
            ConditionExpression: 'size(#holders) < :max OR attribute_exists(#holders.#holder)',
            ExpressionAttributeNames: { '#holders': 'holders', '#holder': holder },
            ExpressionAttributeValues: { ':stamp': stamp, ':max': max },
          }),
        ),
      );
    if (await take()) return true;
    const created = await this.succeeds(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'SET #holders = :none',
          ConditionExpression: 'attribute_not_exists(#holders)',
          ExpressionAttributeNames: { '#holders': 'holders' },
          ExpressionAttributeValues: { ':none': {} },
        }),
      ),
    );
    if (created) return take();
    // The map was there, or a concurrent first caller just created it: only the latter leaves room.
    return (await this.slotHolders(tenantId, pool)).length < max && take();
  }

  async slotHolders(tenantId: string, pool: SlotPool): Promise<SlotHolder[]> {
    const { Item } = await this.send(() =>
      this.documents.send(new GetCommand({ TableName: this.tableName, Key: slotsItemKey(tenantId, pool), ConsistentRead: true })),
    );
    return Object.entries((Item?.holders ?? {}) as Record<string, number>).map(([holder, stamp]) => ({ holder, stamp }));
  }

  async releaseSlot(tenantId: string, pool: SlotPool, holder: string, stamp?: number): Promise<void> {
    await this.succeeds(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: slotsItemKey(tenantId, pool),
          UpdateExpression: 'REMOVE #holders.#holder',
          ConditionExpression: stamp === undefined ? 'attribute_exists(#holders.#holder)' : '#holders.#holder = :stamp',
          ExpressionAttributeNames: { '#holders': 'holders', '#holder': holder },
          ...(stamp === undefined ? {} : { ExpressionAttributeValues: { ':stamp': stamp } }),
        }),
      ),
    );
  }

  async putSession(session: SessionRecord): Promise<void> {
    await this.send(() =>
      this.documents.send(
        new PutCommand({ TableName: this.tableName, Item: { ...session, ...sessionItemKey(session.sessionHash), ...deleteAfter(new Date(session.expiresAt)) } }),
      ),
    );
  }

  async getSession(sessionHash: string): Promise<SessionRecord | undefined> {
    const { Item } = await this.send(() =>
      this.documents.send(new GetCommand({ TableName: this.tableName, Key: sessionItemKey(sessionHash), ConsistentRead: true })),
    );
    if (!Item) return undefined;
    const { tenantId, keyHash, createdAt, expiresAt } = Item;
    return { sessionHash, tenantId, keyHash, createdAt, expiresAt };
  }

  async deleteSession(sessionHash: string): Promise<void> {
    try {
      await this.send(() => this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: sessionItemKey(sessionHash) })));
    } finally {
      credentialsEnded();
    }
  }

  async putDatasetSource(source: DatasetSourceRecord): Promise<void> {
    await this.putIfAbsent({ ...source, ...datasetSourceItemKey(source.tenantId, source.uri) });
  }

  async listDatasetSources(tenantId: string): Promise<DatasetSourceRecord[]> {
    const page = await this.queryPage<DatasetSourceRecord>(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': tenantKey(tenantId), ':prefix': DATASET_SOURCE_PREFIX },
        ConsistentRead: true,
      },
      { limit: MAX_DATASET_SOURCES + 1 },
    );
    return page.items;
  }

  async deleteDatasetSource(tenantId: string, uri: string): Promise<boolean> {
    const { Attributes } = await this.send(() =>
      this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: datasetSourceItemKey(tenantId, uri), ReturnValues: 'ALL_OLD' })),
    );
    return Attributes !== undefined;
  }

  /** Runs a conditional write; false if its condition did not hold. */
  private async succeeds(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.send(write);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Every item a query finds, page after page. */
  private async queryAll(query: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.send(() => this.documents.send(new QueryCommand({ ...query, TableName: this.tableName, ExclusiveStartKey: start })));
      items.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async queryPage<T>(
    query: Omit<QueryCommandInput, 'TableName'>,
    page: PageRequest,
    recordOf: (item: Record<string, unknown>) => T = withoutKeys<T>,
  ): Promise<Page<T>> {
    const result = await this.send(() =>
      this.documents.send(
        new QueryCommand({
          ...query,
          TableName: this.tableName,
          Limit: page.limit,
          ExclusiveStartKey: decodeToken(page.nextToken, query.ExpressionAttributeValues?.[':pk'], query.ExpressionAttributeValues?.[':prefix']),
        }),
      ),
    );
    const items = (result.Items ?? []).map((item) => recordOf(item));
    const nextToken = encodeToken(result.LastEvaluatedKey);
    return nextToken ? { items, nextToken } : { items };
  }
}
