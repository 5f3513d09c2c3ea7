import { DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, InvalidRequest, Unavailable, VersionConflict } from '../../src/errors.js';
import { dynamoClientConfig } from '../../src/store/client-config.js';
import { DynamoDbStore } from '../../src/store/dynamodb-store.js';
import { MessagePortRequestHandler } from '../../src/store/message-port-handler.js';
import { moveLegacyTrialItems } from '../../src/store/legacy-trial-keys.js';
import { emptyLedger } from '../../src/search/trial-ledger.js';
import { newSearch, newTrial, TEST_TENANT } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(() => db.close());

describe('DynamoDB store on dynalite', () => {
  it('creates a search once and reads it back only for its tenant', async () => {
    const search = newSearch('S-create');
    await db.store.createSearch(search);
    await expect(db.store.createSearch(search)).rejects.toBeInstanceOf(Conflict);
    expect(await db.store.getSearch(TEST_TENANT, 'S-create')).toEqual(search);
    expect(await db.store.getSearch('another-tenant', 'S-create')).toBeUndefined();
    expect(await db.store.getSearch(TEST_TENANT, 'S-missing')).toBeUndefined();
  });

  it('saves with an optimistic version check', async () => {
    const search = newSearch('S-version');
    await db.store.createSearch(search);
    const saved = await db.store.saveSearch({ ...search, status: 'RUNNING' });
    expect(saved.version).toBe(1);
    await expect(db.store.saveSearch({ ...search, status: 'STOPPING' })).rejects.toBeInstanceOf(VersionConflict);
    expect((await db.store.getSearch(TEST_TENANT, 'S-version'))?.status).toBe('RUNNING');
  });

  it('lists searches newest first in pages, and only active ones for the sweep', async () => {
    const tenant = 'tenant-list';
    for (const id of ['L1', 'L2', 'L3']) await db.store.createSearch(newSearch(id, undefined, tenant));
    const finished = await db.store.getSearch(tenant, 'L2');
    await db.store.saveSearch({ ...finished!, status: 'SUCCEEDED', reason: 'MaxTrialsReached' });

    const first = await db.store.listSearches(tenant, { limit: 2 });
    expect(first.items.map((s) => s.id)).toEqual(['L3', 'L2']);
    const second = await db.store.listSearches(tenant, { limit: 2, nextToken: first.nextToken });
    expect(second.items.map((s) => s.id)).toEqual(['L1']);
    expect(second.nextToken).toBeUndefined();

    const active = (await db.store.listActiveSearches()).filter((s) => s.tenantId === tenant);
    expect(active.map((s) => s.searchId).sort()).toEqual(['L1', 'L3']);
    await expect(db.store.listSearches(tenant, { limit: 2, nextToken: 'not-a-token' })).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('claims each architecture once per search and each trial number once', async () => {
    expect(await db.store.claimArchitecture(TEST_TENANT, 'S-claim', 'abc', 1)).toBe(true);
    expect(await db.store.claimArchitecture(TEST_TENANT, 'S-claim', 'abc', 2)).toBe(false);
    expect(await db.store.claimArchitecture(TEST_TENANT, 'S-other', 'abc', 1)).toBe(true);
    expect(await db.store.createTrial(newTrial('S-claim', 1))).toBe(true);
    expect(await db.store.createTrial(newTrial('S-claim', 1, { arch: 'other' }))).toBe(false);
    expect((await db.store.getTrial(TEST_TENANT, 'S-claim', 1))?.arch).toBe(newTrial('S-claim', 1).arch);
  });

  it('moves the trials and guards of a table from before trial keys began with their tenant, once', async () => {
    const client = new DynamoDBClient(dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint }));
    try {
      const trial = newTrial('S-legacy', 1);
      const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
      const put = (item: Record<string, unknown>) => documents.send(new PutCommand({ TableName: 'nas', Item: item }));
      await put({ ...trial, pk: 'SEARCH#S-legacy', sk: 'TRIAL#000001' });
      await put({ pk: 'SEARCH#S-legacy', sk: 'HASH#abc', trialNumber: 1 });
      expect(await db.store.getTrial(TEST_TENANT, 'S-legacy', 1)).toBeUndefined();

      expect(await moveLegacyTrialItems(client, 'nas')).toBe(2);
      expect(await db.store.getTrial(TEST_TENANT, 'S-legacy', 1)).toEqual(trial);
      // The guard moved with it: the architecture stays claimed.
      expect(await db.store.claimArchitecture(TEST_TENANT, 'S-legacy', 'abc', 2)).toBe(false);
      expect(await moveLegacyTrialItems(client, 'nas')).toBe(0);
    } finally {
      client.destroy();
    }
  });

  it("keeps a search's trials under its tenant: another tenant naming the same search id finds nothing and changes nothing", async () => {
    expect(await db.store.createTrial(newTrial('S-owned', 1))).toBe(true);
    expect(await db.store.getTrial('intruder', 'S-owned', 1)).toBeUndefined();
    expect(await db.store.allTrials('intruder', 'S-owned')).toEqual([]);
    expect(await db.store.updateTrial('intruder', 'S-owned', 1, { status: 'KILLED' })).toBe(false);
    expect(await db.store.claimArchitecture('intruder', 'S-owned', 'abc', 1)).toBe(true);
    expect((await db.store.getTrial(TEST_TENANT, 'S-owned', 1))?.status).toBe('PENDING');
  });

  it('applies trial updates only under their conditions, and removes fields set to undefined', async () => {
    await db.store.createTrial(newTrial('S-update', 1, { jobId: 'job-1' }));
    expect(await db.store.updateTrial(TEST_TENANT, 'S-update', 1, { status: 'RUNNING' }, { status: ['PENDING'], attempt: 2 })).toBe(false);
    expect(await db.store.updateTrial(TEST_TENANT, 'S-update', 1, { status: 'RUNNING', jobId: undefined }, { status: ['PENDING'], attempt: 1 })).toBe(true);
    expect(await db.store.updateTrial(TEST_TENANT, 'S-update', 1, { status: 'SUCCEEDED' }, { status: ['PENDING'] })).toBe(false);
    expect(await db.store.updateTrial(TEST_TENANT, 'S-update', 99, { status: 'RUNNING' })).toBe(false);
    const trial = await db.store.getTrial(TEST_TENANT, 'S-update', 1);
    expect(trial?.status).toBe('RUNNING');
    expect(trial).not.toHaveProperty('jobId');
  });

  it('pages through trials in number order', async () => {
    for (let n = 1; n <= 25; n++) await db.store.createTrial(newTrial('S-page', n));
    const page = await db.store.listTrials(TEST_TENANT, 'S-page', { limit: 10 });
    expect(page.items.map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await db.store.allTrials(TEST_TENANT, 'S-page')).map((t) => t.number)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  describe('API keys', () => {
    const key = (keyHash: string, tenantId: string, createdAt: string, name = `key ${keyHash}`) => ({ keyHash, tenantId, name, createdAt });

    it("registers a key once, lists each tenant's keys oldest first, and never another tenant's", async () => {
      expect(await db.store.putApiKey(key('k-b', 'keys-a', '2026-01-02T00:00:00.000Z'))).toBe(true);
      expect(await db.store.putApiKey(key('k-a', 'keys-a', '2026-01-01T00:00:00.000Z'))).toBe(true);
      expect(await db.store.putApiKey(key('k-c', 'keys-b', '2026-01-03T00:00:00.000Z'))).toBe(true);
      expect(await db.store.putApiKey(key('k-a', 'keys-b', '2026-01-04T00:00:00.000Z', 'taken'))).toBe(false);

      expect(await db.store.listApiKeys('keys-a')).toEqual([key('k-a', 'keys-a', '2026-01-01T00:00:00.000Z'), key('k-b', 'keys-a', '2026-01-02T00:00:00.000Z')]);
      expect(await db.store.listApiKeys('keys-b')).toEqual([key('k-c', 'keys-b', '2026-01-03T00:00:00.000Z')]);
      expect(await db.store.getApiKey('k-a')).toEqual(key('k-a', 'keys-a', '2026-01-01T00:00:00.000Z'));
      expect(await db.store.listApiKeys('keys-none')).toEqual([]);
    });

    it("keeps index entries out of the tenant's searches", async () => {
      await db.store.createSearch(newSearch('S-keys', undefined, 'keys-a'));
      expect((await db.store.listSearches('keys-a', { limit: 10 })).items.map((s) => s.id)).toEqual(['S-keys']);
    });

    it('revokes a key of the tenant at once, and refuses to revoke it for another tenant', async () => {
      await db.store.putApiKey(key('k-revoke', 'keys-r', '2026-02-01T00:00:00.000Z'));
      expect(await db.store.deleteApiKey('keys-other', 'k-revoke')).toBe(false);
      expect(await db.store.getApiKey('k-revoke')).toBeDefined();

      expect(await db.store.deleteApiKey('keys-r', 'k-revoke')).toBe(true);
      expect(await db.store.getApiKey('k-revoke')).toBeUndefined();
      expect(await db.store.listApiKeys('keys-r')).toEqual([]);
      expect(await db.store.deleteApiKey('keys-r', 'k-revoke')).toBe(false);
    });

    it('heals a missing index entry when the same key is registered again', async () => {
      const record = key('k-heal', 'keys-h', '2026-03-01T00:00:00.000Z');
      await db.store.putApiKey(record);
      // A key written before keys were indexed, or by a writer that died between its two writes.
      const client = new DynamoDBClient(dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint }));
      await client.send(new DeleteItemCommand({ TableName: 'nas', Key: { pk: { S: 'TENANT#keys-h' }, sk: { S: 'APIKEY#k-heal' } } }));
      client.destroy();
      expect(await db.store.listApiKeys('keys-h')).toEqual([]);

      expect(await db.store.putApiKey({ ...record, name: 'registered again' })).toBe(false);
      expect(await db.store.listApiKeys('keys-h')).toEqual([record]);
    });
  });

  it("keeps a search's ledger as one JSON attribute, and still reads a ledger stored as maps", async () => {
    const ledger = {
      ...emptyLedger(),
      folded: { ...emptyLedger().folded, succeeded: 2 },
      batch: [newTrial('S-ledger', 1, { status: 'SUCCEEDED', metrics: { acc: 93.5 }, costSeconds: 12.25 })],
      front: [{ trialNumber: 1, scores: [93.5] }],
    };
    const search = { ...newSearch('S-ledger'), ledger };
    await db.store.createSearch(search);
    expect(await db.store.getSearch(TEST_TENANT, 'S-ledger')).toEqual(search);
    expect((await db.store.listSearches(TEST_TENANT, { limit: 100 })).items.find((s) => s.id === 'S-ledger')).toEqual(search);
    const client = new DynamoDBClient(dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint }));
    const documents = DynamoDBDocumentClient.from(client);
    const raw = await documents.send(new GetCommand({ TableName: 'nas', Key: { pk: `TENANT#${TEST_TENANT}`, sk: 'SEARCH#S-ledger' } }));
    expect(raw.Item).toMatchObject({ ledgerJson: JSON.stringify(ledger) });
    expect(raw.Item).not.toHaveProperty('ledger');

    // A record written before: the ledger as nested maps. Read as it was; the next save writes the string.
    await documents.send(new PutCommand({ TableName: 'nas', Item: { ...newSearch('S-ledger-maps'), ledger, pk: `TENANT#${TEST_TENANT}`, sk: 'SEARCH#S-ledger-maps' } }));
    const old = (await db.store.getSearch(TEST_TENANT, 'S-ledger-maps'))!;
    expect(old.ledger).toEqual(ledger);
    await db.store.saveSearch(old);
    const resaved = await documents.send(new GetCommand({ TableName: 'nas', Key: { pk: `TENANT#${TEST_TENANT}`, sk: 'SEARCH#S-ledger-maps' } }));
    expect(resaved.Item).not.toHaveProperty('ledger');
    expect((await db.store.getSearch(TEST_TENANT, 'S-ledger-maps'))!.ledger).toEqual(ledger);

    // A reader that knew only the map saved the record with its own (newer) map beside the string it kept.
    const newer = { ...ledger, folded: { ...ledger.folded, succeeded: 3 } };
    const mixed = { ...resaved.Item!, ledger: newer };
    await documents.send(new PutCommand({ TableName: 'nas', Item: mixed }));
    expect((await db.store.getSearch(TEST_TENANT, 'S-ledger-maps'))!.ledger).toEqual(newer);
    client.destroy();
  });

  it('reaches the dynalite of this process over its message port, and its HTTP endpoint from elsewhere', async () => {
    // This process's clients get the in-process handler; one configured without it goes over loopback HTTP.
    expect(dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint }).requestHandler).toBeDefined();
    const { requestHandler: _port, httpAuthSchemes: _unsigned, ...overHttp } = dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint });
    const viaHttp = new DynamoDbStore({ tableName: 'nas', client: overHttp });
    await db.store.createSearch(newSearch('S-transport'));
    expect(await viaHttp.getSearch(TEST_TENANT, 'S-transport')).toEqual(await db.store.getSearch(TEST_TENANT, 'S-transport'));
  });

  it('works on at most the given number of requests of a port at once, and answers every one', async () => {
    const port = db.dynamo.openPort({ maxInFlight: 1 });
    const handler = new MessagePortRequestHandler(port);
    const oneAtATime = new DynamoDbStore({ tableName: 'nas', client: { ...dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint }), requestHandler: handler } });
    const answered: number[] = [];
    // One at a time, they are answered in the order sent, however long each takes in LevelDB.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => oneAtATime.createSearch(newSearch(`S-queued-${i}`)).then(() => answered.push(i))),
    );
    expect(answered).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await oneAtATime.getSearch(TEST_TENANT, 'S-queued-19'))?.id).toBe('S-queued-19');
    handler.close();
  });

  it('reports a closed embedded store as Unavailable, as it would a refused connection', async () => {
    const closing = await startTestStore();
    const store = closing.store;
    await store.createSearch(newSearch('S-closing'));
    await closing.close();
    await expect(store.getSearch(TEST_TENANT, 'S-closing')).rejects.toBeInstanceOf(Unavailable);
  });

  it('reports an unreachable store as Unavailable', async () => {
    const unreachable = new DynamoDbStore({
      tableName: 'nas',
      client: { ...dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' }), maxAttempts: 1 },
    });
    await expect(unreachable.getSearch(TEST_TENANT, 'x')).rejects.toBeInstanceOf(Unavailable);
  });
});
