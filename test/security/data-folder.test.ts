import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttributeValue, DynamoDBClient, paginateScan, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { runAdmin, adminStore } from '../../src/cli/admin.js';
import { backupDataFolder, restoreDataFolder } from '../../src/cli/backup.js';
import { createClient } from '../../src/client/index.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { PROJECT_ROOT, readConfig } from '../../src/config.js';
import { DataFolderUnusable } from '../../src/errors.js';
import { startEmbeddedDynamoDb } from '../../src/local/embedded-dynamodb.js';
import { startLocalService, type LocalService } from '../../src/local/local-service.js';
import { dynamoClientConfig } from '../../src/store/client-config.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';

const TABLE = 'nas';
const SMALL_SEARCH = { ...EXAMPLE_SEARCH_SPEC, budget: { maxTrialCount: 3, parallelTrialCount: 1 } };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'nas-data-folder-'));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

async function startService(dataDir: string): Promise<LocalService> {
  const service = await startLocalService({ ...readConfig({ PORT: '0', NAS_DATA_DIR: dataDir }), workers: 1 });
  cleanups.push(() => service.close());
  return service;
}

function client(endpoint: string): DynamoDBClient {
  return new DynamoDBClient(dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: endpoint }));
}

/** A data folder whose store holds one record, closed again; reopened `reopenings` times (LevelDB then moves its log into table files). */
async function folderWithARecord(reopenings = 0): Promise<string> {
  const dataDir = await tempFolder();
  const dynamo = await startEmbeddedDynamoDb(dataDir, TABLE);
  const dynamoClient = client(dynamo.endpoint);
  await dynamoClient.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'TENANT#t' }, sk: { S: 'SEARCH#1' } } }));
  dynamoClient.destroy();
  await dynamo.close();
  for (let i = 0; i < reopenings; i++) await (await startEmbeddedDynamoDb(dataDir, TABLE)).close();
  return dataDir;
}

/** Every file of the store, byte for byte. */
async function storeFiles(dataDir: string): Promise<Map<string, Buffer>> {
  const folder = join(dataDir, 'dynamodb');
  const names = await readdir(folder);
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(join(folder, name))] as const)));
}

/** Every record of a data folder's store, in key order. */
async function recordsOf(dataDir: string): Promise<Record<string, AttributeValue>[]> {
  const dynamo = await startEmbeddedDynamoDb(dataDir, TABLE);
  const dynamoClient = client(dynamo.endpoint);
  const items: Record<string, AttributeValue>[] = [];
  for await (const page of paginateScan({ client: dynamoClient }, { TableName: TABLE })) items.push(...(page.Items ?? []));
  dynamoClient.destroy();
  await dynamo.close();
  const key = (item: Record<string, AttributeValue>) => `${item.pk?.S} ${item.sk?.S}`;
  return items.sort((a, b) => key(a).localeCompare(key(b)));
}

async function refusal(start: Promise<unknown>): Promise<DataFolderUnusable> {
  const error = await start.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(DataFolderUnusable);
  return error as DataFolderUnusable;
}

/** `npm start` on a data folder, as a separate process; resolves when it has exited and its output is read. */
async function runServiceProcess(dataDir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'local', 'main.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: '0', NAS_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    // It should never start; if it does, stop it so that the test fails on its exit code rather than hangs.
    if (output.includes('listening on')) child.kill();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, output };
}

describe('a damaged store is refused at start-up and left as it was', () => {
  it('refuses a store whose CURRENT file is damaged, changing none of its files', async () => {
    const dataDir = await folderWithARecord();
    await writeFile(join(dataDir, 'dynamodb', 'CURRENT'), 'garbage');
    const before = await storeFiles(dataDir);

    const error = await refusal(startEmbeddedDynamoDb(dataDir, TABLE));

    expect(error.reason).toBe('damaged');
    expect(error.message).toContain(join(dataDir, 'dynamodb'));
    expect(error.message).toContain('CURRENT file does not name a MANIFEST');
    expect(error.message).toContain(`NAS_DATA_DIR=${dataDir} nas restore`);
    expect(await storeFiles(dataDir)).toEqual(before);
  });

  it('refuses a store whose CURRENT file is gone instead of starting empty', async () => {
    const dataDir = await folderWithARecord();
    await rm(join(dataDir, 'dynamodb', 'CURRENT'));
    const before = await storeFiles(dataDir);

    const error = await refusal(startEmbeddedDynamoDb(dataDir, TABLE));

    expect(error.message).toContain('CURRENT file is missing');
    expect(await storeFiles(dataDir)).toEqual(before);
  });

  it('refuses a store whose MANIFEST was removed, changing none of its files', async () => {
    const dataDir = await folderWithARecord();
    const manifest = (await readFile(join(dataDir, 'dynamodb', 'CURRENT'), 'utf8')).trim();
    await rm(join(dataDir, 'dynamodb', manifest));
    const before = await storeFiles(dataDir);

    const error = await refusal(startEmbeddedDynamoDb(dataDir, TABLE));

    expect(error.reason).toBe('damaged');
    expect(error.message).toContain(`${manifest}, named by CURRENT, is missing`);
    expect(await storeFiles(dataDir)).toEqual(before);
  });

  it('refuses a store that lost a table file, as LevelDB reports it', async () => {
    const dataDir = await folderWithARecord(1);
    const table = (await readdir(join(dataDir, 'dynamodb'))).find((name) => name.endsWith('.ldb'));
    expect(table).toBeDefined();
    await rm(join(dataDir, 'dynamodb', table!));

    const error = await refusal(startEmbeddedDynamoDb(dataDir, TABLE));

    expect(error.reason).toBe('damaged');
    expect(error.message).toMatch(/Corruption: 1 missing files/);
    expect((await storeFiles(dataDir)).has(table!)).toBe(false);
  });
});

describe('a data folder has one service at a time', () => {
  it('refuses a second service with a clear message and a non-zero exit, while the first keeps working', async () => {
    const dataDir = await tempFolder();
    const first = await startService(dataDir);
    const api = createClient({ baseUrl: first.url, apiKey: first.apiKey });

    const second = await runServiceProcess(dataDir);
    const inProcess = await refusal(startEmbeddedDynamoDb(dataDir, TABLE));

    expect(second.code).toBe(1);
    expect(second.output).toContain(`error: another service is using ${dataDir}`);
    expect(second.output).not.toContain('Database is closed');
    expect(second.output).not.toMatch(/^\s+at /m);
    expect(inProcess.reason).toBe('in-use');
    const created = await api.createSearch(SMALL_SEARCH);
    expect((await api.getSearch(created.id)).id).toBe(created.id);
  });

  it('starts a new store in a folder that does not exist yet, or in an empty store folder', async () => {
    const missing = join(await tempFolder(), 'not-yet');
    const empty = await tempFolder();
    await mkdir(join(empty, 'dynamodb'));

    for (const dataDir of [missing, empty]) {
      const dynamo = await startEmbeddedDynamoDb(dataDir, TABLE);
      await dynamo.close();
      expect(await recordsOf(dataDir)).toEqual([]);
    }
  });
});

describe('nas backup and nas restore', () => {
  it('give back every search, API key and record in a new folder', async () => {
    const [dataDir, backups, restoredDir] = await Promise.all([tempFolder(), tempFolder(), tempFolder()]);
    const service = await startService(dataDir);
    const local = createClient({ baseUrl: service.url, apiKey: service.apiKey });
    const created = await runAdmin('create-key', { tenant: 'acme', name: 'ci' }, adminStore({ NAS_DYNAMODB_ENDPOINT: service.dynamoEndpoint }), new Date());
    const acmeKey = created.text;
    const acme = createClient({ baseUrl: service.url, apiKey: acmeKey });
    const searches = [await local.createSearch(SMALL_SEARCH), await acme.createSearch({ ...SMALL_SEARCH, name: 'acme' })];
    // DynamoDB JSON carries binary values as base64: one record with bytes checks the round trip.
    const dynamoClient = client(service.dynamoEndpoint);
    const bytes = { pk: { S: 'TEST#binary' }, sk: { S: 'B' }, one: { B: new Uint8Array([0, 1, 254, 255]) }, set: { BS: [new Uint8Array([7]), new Uint8Array([8, 9])] } };
    await dynamoClient.send(new PutItemCommand({ TableName: TABLE, Item: bytes }));
    dynamoClient.destroy();
    await cleanups.pop()!(); // stop the service: a backup takes the folder for itself

    const backup = await backupDataFolder(backups, { dataDir, tableName: TABLE }, new Date());
    const restored = await restoreDataFolder(backups, { dataDir: restoredDir, tableName: TABLE }, { force: false });

    expect(restored).toMatchObject({ file: backup.file, items: backup.items, replaced: 0 });
    const records = await recordsOf(dataDir);
    expect(records.length).toBe(backup.items);
    expect(await recordsOf(restoredDir)).toEqual(records);

    const again = await startService(restoredDir);
    const [localSearch, acmeSearch] = searches;
    expect(await createClient({ baseUrl: again.url, apiKey: service.apiKey }).getSearch(localSearch!.id)).toMatchObject({ id: localSearch!.id, spec: localSearch!.spec });
    expect(await createClient({ baseUrl: again.url, apiKey: acmeKey }).getSearch(acmeSearch!.id)).toMatchObject({ id: acmeSearch!.id, spec: { name: 'acme' } });
  });

  it('refuse a store that holds records unless --force, and a backup cut short', async () => {
    const [source, target, backups] = await Promise.all([folderWithARecord(), folderWithARecord(), tempFolder()]);
    const file = join(backups, 'one.jsonl');
    await backupDataFolder(file, { dataDir: source, tableName: TABLE }, new Date());

    await expect(restoreDataFolder(file, { dataDir: target, tableName: TABLE }, { force: false })).rejects.toThrow(/already holds records/);
    await restoreDataFolder(file, { dataDir: target, tableName: TABLE }, { force: true });
    expect(await recordsOf(target)).toEqual(await recordsOf(source));

    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    await writeFile(file, `${lines.slice(0, -1).join('\n')}\n`);
    const fresh = join(await tempFolder(), 'fresh');
    const cutShort = restoreDataFolder(file, { dataDir: fresh, tableName: TABLE }, { force: false });
    await expect(cutShort).rejects.toBeInstanceOf(UsageError);
    await expect(cutShort).rejects.toThrow(/cut short/);
    await expect(readdir(fresh)).rejects.toThrow(/ENOENT/);
  });
});
