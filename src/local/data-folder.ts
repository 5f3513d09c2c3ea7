import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Level as LevelDb } from 'level';
import { DataFolderUnusable } from '../errors.js';

// The LevelDB build dynalite itself opens (`level` as dynalite resolves it), so that these checks and the
// store agree on the file format and on the lock.
const requireFromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const { Level } = requireFromDynalite('level') as typeof import('level');

/** Where, under the data folder, the embedded DynamoDB keeps its LevelDB files. */
export const STORE_FOLDER = 'dynamodb';
/**
 * A LevelDB opened only for its lock, held for as long as the store is open. dynalite opens the store
 * itself, a moment after it was checked here; holding this lock first means no second service can slip
 * into that moment, and the kernel releases it when a process dies, so it never goes stale.
 */
const SERVICE_LOCK_FOLDER = 'service-lock';

export interface DataFolderClaim {
  /** `<dataDir>/dynamodb`: absent or empty (a new store), or a LevelDB that opened and read without error. */
  readonly storePath: string;
  /** Lets another process have the folder; call after the store is closed. */
  release(): Promise<void>;
}

/**
 * Takes the data folder for one process and checks its store before dynalite opens it. dynalite opens
 * LevelDB with `createIfMissing`, which turns a folder that lost its CURRENT file into a new, empty
 * database (and then deletes the old table files as obsolete): a damaged store must never reach it.
 *
 * @throws DataFolderUnusable `in-use` while another process holds the folder, `damaged` when CURRENT,
 *   the MANIFEST, a table file or a block is missing or unreadable. Nothing in the folder is changed then.
 */
export async function claimDataFolder(dataDir: string): Promise<DataFolderClaim> {
  await mkdir(dataDir, { recursive: true });
  const lock = await holdServiceLock(dataDir);
  try {
    const storePath = join(dataDir, STORE_FOLDER);
    await checkStore(dataDir, storePath);
    return { storePath, release: () => lock.close() };
  } catch (error) {
    await lock.close();
    throw error;
  }
}

async function holdServiceLock(dataDir: string): Promise<LevelDb> {
  const path = join(dataDir, SERVICE_LOCK_FOLDER);
  try {
    return await openLevelDb(path, true);
  } catch (error) {
    if (isLocked(error)) throw inUse(dataDir);
    // It holds no records, so a damaged one is simply made again.
    await rm(path, { recursive: true, force: true });
    return openLevelDb(path, true);
  }
}

async function checkStore(dataDir: string, storePath: string): Promise<void> {
  const files = await readdir(storePath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  // A new store: dynalite creates it, as on the very first start.
  if (files.length === 0) return;
  await checkCurrentFile(dataDir, storePath, files);

  const db = await openLevelDb(storePath, false).catch((error: unknown) => {
    throw isLocked(error) ? inUse(dataDir) : damaged(dataDir, storePath, levelDbMessage(error));
  });
  try {
    await readEveryRecord(db);
  } catch (error) {
    throw damaged(dataDir, storePath, levelDbMessage(error));
  } finally {
    await db.close();
  }
}

/**
 * CURRENT names the live MANIFEST. Checked with plain reads because opening LevelDB, even to fail,
 * creates LOCK and rotates LOG: these two kinds of damage leave the folder exactly as it was found.
 */
async function checkCurrentFile(dataDir: string, storePath: string, files: readonly string[]): Promise<void> {
  if (!files.includes('CURRENT')) throw damaged(dataDir, storePath, 'its CURRENT file is missing');
  const manifest = /^(MANIFEST-\d+)\n$/.exec(await readFile(join(storePath, 'CURRENT'), 'utf8'))?.[1];
  if (!manifest) throw damaged(dataDir, storePath, 'its CURRENT file does not name a MANIFEST file');
  if (!files.includes(manifest)) throw damaged(dataDir, storePath, `${manifest}, named by CURRENT, is missing`);
}

/**
 * classic-level passes no `paranoidChecks` to LevelDB (its binding reads only `createIfMissing`,
 * `errorIfExists` and tuning options), so a missing table file or an unreadable block would only show
 * when a request reads it, and dynalite throws such errors out of its request handler. Reading every
 * record once at start-up finds them first.
 */
async function readEveryRecord(db: LevelDb): Promise<void> {
  const iterator = db.iterator<Buffer, Buffer>({ keyEncoding: 'buffer', valueEncoding: 'buffer' });
  try {
    while ((await iterator.nextv(1000)).length > 0);
  } finally {
    await iterator.close();
  }
}

async function openLevelDb(path: string, createIfMissing: boolean): Promise<LevelDb> {
  const db = new Level(path, { createIfMissing, errorIfExists: false });
  await db.open();
  return db;
}

/** LevelDB's own words (`Corruption: ...`, `IO error: ...`): abstract-level wraps them as `cause`. */
function levelDbMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : (error as Error).message;
}

function isLocked(error: unknown): boolean {
  return (error as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED';
}

function inUse(dataDir: string): DataFolderUnusable {
  return new DataFolderUnusable(dataDir, 'in-use', `another service is using ${dataDir}: stop it first, or point NAS_DATA_DIR at another folder`);
}

function damaged(dataDir: string, storePath: string, problem: string): DataFolderUnusable {
  return new DataFolderUnusable(
    dataDir,
    'damaged',
    `the record store in ${storePath} is damaged (${problem}); nothing in it was changed. ` +
      `Move ${storePath} aside and restore your latest backup into a new one: NAS_DATA_DIR=${dataDir} nas restore <backup> ` +
      '(see docs/reliability.md, "The data folder: damage, locks, backup and restore")',
  );
}
