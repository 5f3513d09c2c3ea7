import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { createClient } from '../../src/client/index.js';
import { runDatasetsCommand } from '../../src/cli/datasets.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { blobs } from '../../src/training/datasets/blobs.js';
import { writeDataset } from '../../src/training/datasets/write-user-dataset.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { runNas, serveApi } from './served-api.js';

let db: TestStore;
let folder: string;
let service: Awaited<ReturnType<typeof serveApi>>;
let key: string;

/** The real `nas` command against the test service. */
const nas = (args: readonly string[]) => runNas(args, { url: service.url, key });
/**
 * `nas datasets <subcommand> [argument]` in this process: what `nas` prints (`text`, or `data` as JSON with
 * `--json`) without a process start of its own. Each test also runs the real command, for its output and exit status.
 */
const datasets = (subcommand: string, argument?: string) => runDatasetsCommand(createClient({ baseUrl: service.url, apiKey: key }), subcommand, argument, {});
const datasetList = async () => (await datasets('list')).data as { items: unknown[]; sources: unknown[] };

beforeAll(async () => {
  db = await startTestStore();
  folder = await mkdtemp(join(tmpdir(), 'nas-datasets-cli-'));
  const artifacts = new DirectoryArtifactStore(join(folder, 'artifacts'));
  const app = await authorizedApp({ store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date(), artifacts }, 'cli');
  key = app.key;
  service = await serveApi(app.app);
  await writeDataset(new DirectoryArtifactStore(join(folder, 'points')), '', blobs.build({}), { samplesPerShard: 100 });
});

afterAll(async () => {
  await service?.close();
  await db?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('nas datasets', () => {
  it('uploads a folder into the tenant\'s own artifacts, prints the reference, lists and deletes it', async () => {
    const uploaded = await nas(['datasets', 'upload', join(folder, 'points'), '--name', 'points']);
    expect(uploaded).toMatchObject({ code: 0, stdout: expect.stringContaining('"dataset": "artifacts:datasets/points"') });
    expect(uploaded.stdout).toContain('200 / 50 / 50 samples, 3 classes');

    const listed = await nas(['datasets', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual({ items: [{ name: 'points', ref: 'artifacts:datasets/points' }], sources: [] });

    expect(await datasets('delete', 'points')).toMatchObject({ data: { deleted: 'points' } });
    expect((await datasetList()).items).toEqual([]);
  }, 60_000);

  it('refuses a folder whose shards do not match the manifest, naming the file, and exits 1', async () => {
    const broken = join(folder, 'broken');
    await writeDataset(new DirectoryArtifactStore(broken), '', blobs.build({}));
    await writeFile(join(broken, 'train-0000.y.bin'), new Uint8Array(12));
    const uploaded = await nas(['datasets', 'upload', broken, '--name', 'broken']);
    expect(uploaded.code).toBe(1);
    expect(uploaded.stderr).toMatch(/train-0000\.y\.bin/);
  }, 60_000);

  it('registers and removes S3 dataset sources', async () => {
    expect(await datasets('add-source', 's3://team-data/digits')).toMatchObject({ text: expect.stringContaining('s3://team-data/digits/') });
    expect((await datasetList()).sources).toEqual([{ uri: 's3://team-data/digits/', createdAt: expect.any(String) }]);
    await datasets('remove-source', 's3://team-data/digits');
    expect((await datasetList()).sources).toEqual([]);
    expect(await nas(['datasets', 'frobnicate'])).toMatchObject({ code: 2 });
  }, 60_000);
});
