import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { Conflict, InvalidRequest, Unavailable, VersionConflict } from '../errors.js';
import { isActiveSearch, type SearchRecord, type TrialRecord } from '../search/records.js';
import type { ApiKeyRecord, IdempotencyBinding, Page, PageRequest, Store, TrialExpectation, TrialPatch } from './store.js';
import { ACTIVE_PARTITION, ACTIVE_SEARCHES_INDEX } from './table.js';

const tenantKey = (tenantId: string) => `TENANT#${tenantId}`;
const searchKey = (searchId: string) => `SEARCH#${searchId}`;
const trialKey = (trialNumber: number) => `TRIAL#${String(trialNumber).padStart(6, '0')}`;
const hashKey = (archHash: string) => `HASH#${archHash}`;
const apiKeyKey = (keyHash: string) => `APIKEY#${keyHash}`;
/** A key's record sits at `APIKEY#<hash>` for requests, and again under its tenant for operators. */
const apiKeyItemKey = (keyHash: string) => ({ pk: apiKeyKey(keyHash), sk: 'APIKEY' });
const apiKeyIndexItemKey = (tenantId: string, keyHash: string) => ({ pk: tenantKey(tenantId), sk: apiKeyKey(keyHash) });
const KEY_ATTRIBUTES = ['pk', 'sk', 'activePk'];

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

function encodeToken(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

function decodeToken(token: string | undefined): Record<string, unknown> | undefined {
  if (token === undefined) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (key && typeof key === 'object' && !Array.isArray(key)) return key as Record<string, unknown>;
  } catch {
    // fall through to the typed error below
  }
  throw new InvalidRequest('nextToken', 'nextToken is not a token this API returned');
}

export interface DynamoDbStoreOptions {
  readonly tableName: string;
  readonly client: DynamoDBClientConfig;
}

/** The `Store` on DynamoDB (in the cloud) or dynalite (the embedded default): same code either way. */
export class DynamoDbStore implements Store {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor({ tableName, client }: DynamoDbStoreOptions) {
    this.tableName = tableName;
    this.documents = DynamoDBDocumentClient.from(new DynamoDBClient(client), {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  private async send<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private searchItem(search: SearchRecord): Record<string, unknown> {
    return {
      ...search,
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
      throw error;
    }
  }

  async getSearch(tenantId: string, searchId: string): Promise<SearchRecord | undefined> {
    const { Item } = await this.send(() =>
      this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: tenantKey(tenantId), sk: searchKey(searchId) }, ConsistentRead: true }),
      ),
    );
    return Item ? withoutKeys<SearchRecord>(Item) : undefined;
  }

  async listSearches(tenantId: string, page: PageRequest): Promise<Page<SearchRecord>> {
    return this.queryPage<SearchRecord>(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': tenantKey(tenantId), ':prefix': 'SEARCH#' },
        ScanIndexForward: false,
      },
      page,
    );
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
      if (isConditionFailure(error)) throw new VersionConflict(`search ${search.id} changed since version ${search.version}`);
      throw error;
    }
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
      if (!isConditionFailure(error)) throw error;
    }
  }

  async listActiveSearches(): Promise<{ tenantId: string; searchId: string }[]> {
    const active: { tenantId: string; searchId: string }[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const result = await this.send(() =>
        this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: ACTIVE_SEARCHES_INDEX.name,
            KeyConditionExpression: 'activePk = :active',
            ExpressionAttributeValues: { ':active': ACTIVE_PARTITION },
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of result.Items ?? []) {
        active.push({ tenantId: String(item.pk).slice('TENANT#'.length), searchId: String(item.sk).slice('SEARCH#'.length) });
      }
      start = result.LastEvaluatedKey;
    } while (start);
    return active;
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
    const keys: ApiKeyRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.queryPage<ApiKeyRecord>(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': tenantKey(tenantId), ':prefix': apiKeyKey('') },
          ConsistentRead: true,
        },
        { limit: 1000, nextToken },
      );
      keys.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
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
    }
    const { Attributes } = await this.send(() =>
      this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: apiKeyIndexItemKey(tenantId, keyHash), ReturnValues: 'ALL_OLD' })),
    );
    return revoked || Attributes !== undefined;
  }

  async claimArchitecture(searchId: string, archHash: string, trialNumber: number): Promise<boolean> {
    return this.putIfAbsent({ pk: searchKey(searchId), sk: hashKey(archHash), trialNumber });
  }

  async createTrial(trial: TrialRecord): Promise<boolean> {
    return this.putIfAbsent({ ...trial, pk: searchKey(trial.searchId), sk: trialKey(trial.number) });
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

  async getTrial(searchId: string, trialNumber: number): Promise<TrialRecord | undefined> {
    const { Item } = await this.send(() =>
      this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: searchKey(searchId), sk: trialKey(trialNumber) }, ConsistentRead: true }),
      ),
    );
    return Item ? withoutKeys<TrialRecord>(Item) : undefined;
  }

  async listTrials(searchId: string, page: PageRequest): Promise<Page<TrialRecord>> {
    return this.queryPage<TrialRecord>(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': searchKey(searchId), ':prefix': 'TRIAL#' },
        ConsistentRead: true,
      },
      page,
    );
  }

  async allTrials(searchId: string): Promise<TrialRecord[]> {
    const trials: TrialRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.listTrials(searchId, { limit: 1000, nextToken });
      trials.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return trials;
  }

  async updateTrial(searchId: string, trialNumber: number, patch: TrialPatch, expect: TrialExpectation = {}): Promise<boolean> {
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
    const update = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
    try {
      await this.send(() =>
        this.documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: searchKey(searchId), sk: trialKey(trialNumber) },
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

  private async queryPage<T>(query: Omit<QueryCommandInput, 'TableName'>, page: PageRequest): Promise<Page<T>> {
    const result = await this.send(() =>
      this.documents.send(
        new QueryCommand({ ...query, TableName: this.tableName, Limit: page.limit, ExclusiveStartKey: decodeToken(page.nextToken) }),
      ),
    );
    const items = (result.Items ?? []).map((item) => withoutKeys<T>(item));
    const nextToken = encodeToken(result.LastEvaluatedKey);
    return nextToken ? { items, nextToken } : { items };
  }
}
