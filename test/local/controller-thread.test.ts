import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { ControllerThread } from '../../src/local/controller-thread.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../src/local/embedded-dynamodb.js';
import { waitFor } from '../../src/local/service-process.js';
import type { SearchWrite } from '../../src/store/recent-searches.js';
import { dynamoClientConfig } from '../../src/store/client-config.js';
import { DynamoDbStore } from '../../src/store/dynamodb-store.js';
import { createTableInput } from '../../src/store/table.js';
import { newSearch, TEST_TENANT, testSpec } from '../helpers/records.js';

let dataDir: string;
let dynamo: EmbeddedDynamoDb;
let store: DynamoDbStore;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'nas-controller-thread-'));
  dynamo = await startEmbeddedDynamoDb(dataDir, 'nas');
  store = new DynamoDbStore({ tableName: 'nas', client: dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: dynamo.endpoint }) });
});
afterAll(async () => {
  await dynamo.close();
  await rm(dataDir, { recursive: true, force: true });
});

const IGNORED = () => {};
const config = () => ({ ...readConfig({ NAS_DATA_DIR: dataDir }), workers: 1, sweepSeconds: 600 });

describe("the local service's controller thread (issue #18)", () => {
  it('runs the searches it hears of to their end on its own store, and tells every record it saved', async () => {
    const writes: SearchWrite[] = [];
    const controller = await ControllerThread.start(config(), dynamo, (write) => writes.push(write));
    try {
      await controller.begin('http://127.0.0.1:1');
      await store.createSearch(newSearch('T-thread', testSpec({ maxTrialCount: 12, parallelTrialCount: 4 })));
      controller.publish({ type: 'SearchCreated', tenantId: TEST_TENANT, searchId: 'T-thread' });

      const search = await waitFor(async () => {
        const current = await store.getSearch(TEST_TENANT, 'T-thread');
        return current?.status === 'SUCCEEDED' ? current : undefined;
      }, 'the search to succeed');
      expect(search.trialCount).toBe(12);
      expect((await store.allTrials(TEST_TENANT, 'T-thread')).map((t) => t.status)).toEqual(Array(12).fill('SUCCEEDED'));
      // Every record it saved was told, in order, the last one the search as it ended.
      const saved = writes.flatMap((w) => (w.kind === 'saved' && w.search.id === 'T-thread' ? [w.search] : []));
      expect(saved.map((s) => s.version)).toEqual(saved.map((_, i) => i + 1));
      expect(saved.at(-1)).toEqual({ ...search, ledger: { ...search.ledger, batch: [] } });
      // Without the trials a record carries until they are written: the API's reads never look at them.
      expect(saved.every((s) => s.ledger?.batch.length === 0)).toBe(true);
    } finally {
      await controller.close();
    }
  });

  it('rehearses a search at start on a scratch table it deletes, also one a killed start left, and tells nothing of it', async () => {
    const client = new DynamoDBClient(dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: dynamo.endpoint }));
    try {
      // A start killed during its rehearsal left the scratch table, with a search in it.
      await client.send(new CreateTableCommand(createTableInput('nas-rehearsal')));
      await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: 'nas-rehearsal' });
      const leftover = new DynamoDbStore({ tableName: 'nas-rehearsal', client: dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: dynamo.endpoint }) });
      await leftover.createSearch(newSearch('T-leftover', undefined, 'rehearsal'));

      const writes: SearchWrite[] = [];
      // Simulated training time in real time (scale 1): the rehearsal must not wait it out, or start would take hours.
      const controller = await ControllerThread.start({ ...config(), simulatedTimeScale: 1 }, dynamo, (write) => writes.push(write));
      try {
        expect(controller.rehearsal).toMatchObject({ status: 'SUCCEEDED', trials: 100, seconds: expect.any(Number) });
        expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual(['nas']);
        expect((await store.listSearches('rehearsal', { limit: 10 })).items).toEqual([]);
        expect(writes).toEqual([]);
      } finally {
        await controller.close();
      }
    } finally {
      client.destroy();
    }
  });

  it('starts without a rehearsal, saying why, when the benchmarks cannot be read', async () => {
    const controller = await ControllerThread.start({ ...config(), benchmarksDir: join(dataDir, 'no-benchmarks') }, dynamo, IGNORED);
    try {
      expect(controller.rehearsal).toMatchObject({ skipped: expect.stringContaining('no-benchmarks') });
    } finally {
      await controller.close();
    }
  });

  it('runs searches with the warm-up of predictors off (NAS_WARM_PREDICTORS=0)', async () => {
    // A tick once hid in the warm-up's call: with no warm-up, no search ever left CREATED.
    const controller = await ControllerThread.start({ ...config(), warmPredictors: false }, dynamo, IGNORED);
    try {
      await controller.begin('http://127.0.0.1:1');
      await store.createSearch(newSearch('T-no-warm-up', testSpec({ maxTrialCount: 3 })));
      controller.publish({ type: 'SearchCreated', tenantId: TEST_TENANT, searchId: 'T-no-warm-up' });
      const search = await waitFor(async () => {
        const current = await store.getSearch(TEST_TENANT, 'T-no-warm-up');
        return current?.status === 'SUCCEEDED' ? current : undefined;
      }, 'the search to succeed');
      expect(search.trialCount).toBe(3);
    } finally {
      await controller.close();
    }
  });

  it('runs at niceness 10 unless NAS_CONTROLLER_NICENESS says otherwise, from 0 to 19', () => {
    expect(readConfig({}).controllerNiceness).toBe(10);
    expect(readConfig({ NAS_CONTROLLER_NICENESS: '0' }).controllerNiceness).toBe(0);
    expect(() => readConfig({ NAS_CONTROLLER_NICENESS: '20' })).toThrow('NAS_CONTROLLER_NICENESS must be a whole number from 0 to 19');
    expect(() => readConfig({ NAS_CONTROLLER_NICENESS: '2.5' })).toThrow('NAS_CONTROLLER_NICENESS');
  });

  it.runIf(existsSync('/proc/self/task'))("lowers its own thread's priority only, not the API's", async () => {
    /** The niceness of each thread of this process (the 19th field of Linux's per-task stat). */
    const niceness = async () =>
      Promise.all(
        (await readdir('/proc/self/task')).map(async (task) => {
          const stat = await readFile(`/proc/self/task/${task}/stat`, 'utf8');
          return { task, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
        }),
      );
    const controller = await ControllerThread.start({ ...config(), controllerNiceness: 7 }, dynamo, IGNORED);
    try {
      const threads = await niceness();
      expect(threads.filter((t) => t.nice === 7).length).toBeGreaterThanOrEqual(1);
      expect(threads.find((t) => t.task === String(process.pid))!.nice).toBe(getPriority());
    } finally {
      await controller.close();
    }
  });

  it('sweeps unfinished searches when it begins, and takes no event once closed', async () => {
    await store.createSearch(newSearch('T-swept', testSpec({ maxTrialCount: 3 })));
    const controller = await ControllerThread.start(config(), dynamo, IGNORED);
    await controller.begin('http://127.0.0.1:1');
    await waitFor(async () => ((await store.getSearch(TEST_TENANT, 'T-swept'))?.status === 'SUCCEEDED' ? true : undefined), 'the swept search to succeed');
    await controller.close();

    await store.createSearch(newSearch('T-after-close', testSpec({ maxTrialCount: 3 })));
    controller.publish({ type: 'SearchCreated', tenantId: TEST_TENANT, searchId: 'T-after-close' });
    await controller.close();
    expect((await store.getSearch(TEST_TENANT, 'T-after-close'))?.status).toBe('CREATED');
  });

  it('says it failed when its thread ends without being closed, and not when it is closed', async () => {
    const crashed = await ControllerThread.start(config(), dynamo, IGNORED);
    // As an uncaught error or an out-of-memory end of the thread would.
    await (crashed as unknown as { worker: Worker }).worker.terminate();
    expect((await crashed.failed).message).toContain('the controller thread ended');

    const closed = await ControllerThread.start(config(), dynamo, IGNORED);
    await closed.close();
    expect(await Promise.race([closed.failed, new Promise((resolve) => setImmediate(() => resolve('not failed')))])).toBe('not failed');
  });

  it('fails to start, with the reason, when its thread cannot set up', async () => {
    await expect(ControllerThread.start({ ...config(), artifacts: 's3://' }, dynamo, IGNORED)).rejects.toThrow('NAS_ARTIFACTS must name a bucket');
  });
});
