import { createReadStream } from 'node:fs';
import { open, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type AttributeValue, BatchWriteItemCommand, DynamoDBClient, paginateScan, ScanCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ServiceConfig } from '../config.js';
import { STORE_FOLDER } from '../local/data-folder.js';
import { startEmbeddedDynamoDb } from '../local/embedded-dynamodb.js';
import { dynamoClientConfig } from '../store/client-config.js';
import { TABLE_KEYS } from '../store/table.js';
import { UsageError } from './usage-error.js';

/**
 * `nas backup` and `nas restore`: every record of the local data folder to a file and back.
 *
 * Both open the data folder themselves (through the embedded store, so with its lock and its damage
 * checks), which means the local service must be stopped. That is what makes a backup exact: dynalite
 * has no snapshot reads, and a Scan while searches run could save a search without trials it already
 * counted. A stopped service resumes its unfinished searches when it starts again.
 *
 * The file is JSON lines: a header, one `{"Item": ...}` per record in DynamoDB JSON (the shape of
 * DynamoDB's own export to S3, binary values in base64), and a trailer with the count, so that a file
 * cut short is refused rather than half restored.
 */
export const BACKUP_USAGE = `  backup <file-or-dir>          copy every record of the local data folder ($NAS_DATA_DIR) to a file (into a
                                folder: nas-backup-<time>.jsonl); stop the service first, the copy is exact
  restore <file-or-dir> [--force]
                                load a backup (from a folder: its newest) into $NAS_DATA_DIR, which must be new or
                                hold no records; --force replaces the records it holds`;

const FORMAT = 'serverless-nas-backup';
const VERSION = 1;
const BACKUP_NAME = /^nas-backup-.*\.jsonl$/;
/** BatchWriteItem's limit. */
const BATCH_SIZE = 25;

type Item = Record<string, AttributeValue>;
type StoreSettings = Pick<ServiceConfig, 'dataDir' | 'tableName'>;

export interface BackupSummary {
  readonly file: string;
  readonly items: number;
  readonly dataDir: string;
  readonly table: string;
}

export interface RestoreSummary extends BackupSummary {
  /** Records the store held before (deleted by `--force`). */
  readonly replaced: number;
}

/** Runs `nas backup <path>` or `nas restore <path> [--force]`: what to print, and the data for `--json`. */
export async function runBackupCommand(
  command: 'backup' | 'restore',
  path: string | undefined,
  options: { readonly force: boolean },
  settings: StoreSettings,
  now: Date,
): Promise<{ readonly text: string; readonly data: BackupSummary }> {
  if (!path) throw new UsageError(`'nas ${command}' needs a file or a folder: nas ${command} <file-or-dir>`);
  if (command === 'backup') {
    const backup = await backupDataFolder(path, settings, now);
    return { text: `backed up ${backup.items} records of ${backup.dataDir} (table ${backup.table}) to ${backup.file}`, data: backup };
  }
  const restored = await restoreDataFolder(path, settings, options);
  const replaced = restored.replaced ? `, replacing the ${restored.replaced} records it held` : '';
  return { text: `restored ${restored.items} records from ${restored.file} into ${restored.dataDir} (table ${restored.table})${replaced}`, data: restored };
}

/**
 * Writes every record of `settings.dataDir` to `target` (a file, or a folder to put a timestamped file
 * in). The file appears under its name only once complete and flushed to disk.
 *
 * @throws DataFolderUnusable while a service uses the folder, or when its store is damaged.
 * @throws UsageError when the folder holds no store.
 */
export async function backupDataFolder(target: string, settings: StoreSettings, now: Date): Promise<BackupSummary> {
  const storeFiles = await readdir(join(settings.dataDir, STORE_FOLDER)).catch(() => []);
  if (storeFiles.length === 0) throw new UsageError(`${settings.dataDir} holds no record store to back up (is NAS_DATA_DIR right?)`);
  const file = (await isFolder(target)) ? join(target, `nas-backup-${now.toISOString().replace(/[:.]/g, '-')}.jsonl`) : target;

  const items = await withStore(settings, async (client) => {
    const partial = `${file}.partial`;
    const out = await open(partial, 'w', 0o600);
    let count = 0;
    try {
      await out.write(`${JSON.stringify({ format: FORMAT, version: VERSION, table: settings.tableName, createdAt: now.toISOString() })}\n`);
      for await (const page of paginateScan({ client }, { TableName: settings.tableName, ConsistentRead: true })) {
        const lines = (page.Items ?? []).map((item) => `${JSON.stringify({ Item: item }, binaryAsBase64)}\n`);
        await out.write(lines.join(''));
        count += lines.length;
      }
      await out.write(`${JSON.stringify({ end: true, items: count })}\n`);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(partial, file);
    return count;
  });
  return { file, items, dataDir: settings.dataDir, table: settings.tableName };
}

/**
 * Loads a backup into `settings.dataDir`. The whole file is read and checked before anything is written.
 * A store that already holds records is refused unless `force`, which deletes them first.
 *
 * @throws UsageError for a file that is not a complete backup, or a store with records and no `force`.
 * @throws DataFolderUnusable while a service uses the folder, or when its store is damaged.
 */
export async function restoreDataFolder(source: string, settings: StoreSettings, options: { readonly force: boolean }): Promise<RestoreSummary> {
  const file = (await isFolder(source)) ? await newestBackup(source) : source;
  let items = 0;
  for await (const _ of readBackup(file)) items += 1;

  const replaced = await withStore(settings, async (client) => {
    const existing = await client.send(new ScanCommand({ TableName: settings.tableName, Limit: 1, ConsistentRead: true }));
    if (existing.Items?.length && !options.force) {
      throw new UsageError(
        `${settings.dataDir} already holds records (table ${settings.tableName}); restoring would mix them with the backup's. ` +
          'Restore into a new folder (NAS_DATA_DIR), or add --force to replace them',
      );
    }
    const deleted = existing.Items?.length ? await deleteEveryItem(client, settings.tableName) : 0;
    let batch: WriteRequest[] = [];
    for await (const item of readBackup(file)) {
      batch.push({ PutRequest: { Item: item } });
      if (batch.length === BATCH_SIZE) {
        await writeBatch(client, settings.tableName, batch);
        batch = [];
      }
    }
    await writeBatch(client, settings.tableName, batch);
    return deleted;
  });
  return { file, items, replaced, dataDir: settings.dataDir, table: settings.tableName };
}

async function withStore<T>(settings: StoreSettings, work: (client: DynamoDBClient) => Promise<T>): Promise<T> {
  const dynamo = await startEmbeddedDynamoDb(settings.dataDir, settings.tableName);
  const client = new DynamoDBClient(dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: dynamo.endpoint }));
  try {
    return await work(client);
  } finally {
    client.destroy();
    await dynamo.close();
  }
}

/** The records of a backup file, after its header; throws at the end unless the trailer counts them all. */
async function* readBackup(file: string): AsyncGenerator<Item> {
  const notBackup = (why: string) => new UsageError(`${file} is not a complete serverless-nas backup: ${why}`);
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let header = false;
  let items = 0;
  let trailer: { end?: unknown; items?: unknown } | undefined;
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (trailer) throw notBackup(`line ${number} follows the trailer`);
    let record: { format?: unknown; version?: unknown; Item?: Item; end?: unknown; items?: unknown };
    try {
      record = JSON.parse(line, base64AsBinary);
    } catch {
      throw notBackup(`line ${number} is not JSON`);
    }
    if (!header) {
      if (record.format !== FORMAT || record.version !== VERSION) throw notBackup(`its first line is not a version ${VERSION} header`);
      header = true;
    } else if (record.Item) {
      items += 1;
      yield record.Item;
    } else {
      trailer = record;
    }
  }
  if (!header) throw notBackup('it is empty');
  if (trailer?.end !== true || trailer.items !== items) throw notBackup(`it ends before its trailer (${items} records read); it may have been cut short`);
}

async function deleteEveryItem(client: DynamoDBClient, tableName: string): Promise<number> {
  const keys = { ProjectionExpression: '#pk, #sk', ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey } };
  let deleted = 0;
  for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true, ...keys })) {
    const requests = (page.Items ?? []).map((key) => ({ DeleteRequest: { Key: key } }));
    for (let start = 0; start < requests.length; start += BATCH_SIZE) await writeBatch(client, tableName, requests.slice(start, start + BATCH_SIZE));
    deleted += requests.length;
  }
  return deleted;
}

/** BatchWriteItem may leave some requests unprocessed under load: send those again until none are left. */
async function writeBatch(client: DynamoDBClient, tableName: string, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  while (pending.length > 0) {
    const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
    pending = result.UnprocessedItems?.[tableName] ?? [];
  }
}

async function newestBackup(folder: string): Promise<string> {
  // Names carry an ISO time, so the last in name order is the newest.
  const newest = (await readdir(folder)).filter((name) => BACKUP_NAME.test(name)).sort().at(-1);
  if (!newest) throw new UsageError(`${folder} holds no backup (nas-backup-*.jsonl)`);
  return join(folder, newest);
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** DynamoDB JSON writes binary values (`B`, `BS`) as base64; the SDK hands them over as bytes. */
function binaryAsBase64(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}

/** Only binary values are strings under `B` or string arrays under `BS`: every other attribute value is an object. */
function base64AsBinary(key: string, value: unknown): unknown {
  if (key === 'B' && typeof value === 'string') return Buffer.from(value, 'base64');
  if (key === 'BS' && Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v: string) => Buffer.from(v, 'base64'));
  return value;
}
