import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { datasetFoldersAt, DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { evaluatorByKind } from '../../src/evaluators/evaluator.js';
import { createTrainEvaluator } from '../../src/evaluators/train-evaluator.js';
import { newSearchRecord } from '../../src/usecases/new-search.js';
import { SearchSpecSchema, type SearchSpec } from '../../src/search/spec.js';
import { blobs } from '../../src/training/datasets/blobs.js';
import { writeDataset } from '../../src/training/datasets/write-user-dataset.js';
import { serveApi } from '../cli/served-api.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { runSearchToEnd } from '../helpers/run-search.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { json, newTenant, type Tenant } from './fixture.js';

/**
 * Tenant B tries to train on tenant A's data by every form a dataset reference takes. The service must
 * resolve each reference inside B's own tenant or refuse it, never say whether a path exists where B may
 * not look, and never leak the server's paths.
 */
let db: TestStore;
let root: string;
let datasetsRoot: string;
let artifacts: DirectoryArtifactStore;
let server: { url: string; close(): Promise<void> };
let alice: Tenant;
let bob: Tenant;

/** A small train search naming `dataset`, as a tenant would send it. */
const trainSpec = (dataset: string) => ({
  space: 'mlp',
  objectives: [{ metric: 'validation_accuracy', direction: 'maximize' }],
  strategy: { name: 'random' },
  evaluator: { kind: 'train', dataset, schedule: { epochs: 2, batchSize: 50, learningRate: 0.01 } },
  budget: { maxTrialCount: 1 },
  seed: 1,
});

const createTrainSearch = (tenant: Tenant, dataset: string) =>
  tenant.fetch(server.url, '/v1/searches', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(trainSpec(dataset)) });

/** Uploads `blobs` as `name` through the API, file by file, as `nas datasets upload` does. */
async function upload(tenant: Tenant, name: string): Promise<void> {
  const folder = join(root, `upload-${tenant.id}-${name}`);
  await writeDataset(new DirectoryArtifactStore(folder), '', blobs.build({}));
  const files = await readdir(folder);
  for (const file of [...files.filter((f) => f !== 'manifest.json'), 'manifest.json']) {
    const body = new Uint8Array(await new DirectoryArtifactStore(folder).get(file).then((bytes) => bytes!));
    const response = await tenant.fetch(server.url, `/v1/datasets/${name}/files/${file}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
    expect(response.status, file).toBe(204);
  }
}

/** A refusal of the dataset field, with no absolute path of this machine in it. */
async function expectDatasetRefused(response: Response): Promise<string> {
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const problem = await json(response);
  expect(problem.errors).toEqual([expect.objectContaining({ field: 'evaluator.dataset' })]);
  const text = JSON.stringify(problem);
  for (const secret of [root, tmpdir(), process.cwd()]) expect(text).not.toContain(secret);
  return problem.errors[0].message as string;
}

beforeAll(async () => {
  db = await startTestStore();
  root = await mkdtemp(join(tmpdir(), 'nas-datasets-security-'));
  datasetsRoot = join(root, 'datasets-root');
  await mkdir(datasetsRoot);
  artifacts = new DirectoryArtifactStore(join(root, 'artifacts'));
  const deps: ApiDeps = {
    store: db.store,
    events: new RecordingEvents(),
    benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR),
    clock: () => new Date(),
    artifacts,
    datasets: { folders: datasetFoldersAt(datasetsRoot), serviceBuckets: ['service-artifacts'] },
  };
  server = await serveApi(createApp(deps));
  alice = await newTenant(db, 'alice');
  bob = await newTenant(db, 'bob');
  await upload(alice, 'private');
});

afterAll(async () => {
  await server?.close();
  await db?.close();
  await rm(root, { recursive: true, force: true });
});

describe("a tenant's datasets", () => {
  it("are uploaded under the caller's own prefix, checked whole, listed, and trained on by a search of the owner", async () => {
    const described = await alice.fetch(server.url, '/v1/datasets/private');
    expect(described.status).toBe(200);
    expect(await json(described)).toMatchObject({ name: 'private', ref: 'artifacts:datasets/private', classes: 3, samples: { train: 200, validation: 50, test: 50 } });
    expect(await artifacts.get('tenants/alice/datasets/private/manifest.json')).toBeDefined();
    expect(await json(await alice.fetch(server.url, '/v1/datasets'))).toMatchObject({ items: [{ name: 'private', ref: 'artifacts:datasets/private' }] });
    expect(await json(await bob.fetch(server.url, '/v1/datasets'))).toEqual({ items: [], sources: [] });
    expect((await bob.fetch(server.url, '/v1/datasets/private')).status).toBe(404);

    const created = await createTrainSearch(alice, 'artifacts:datasets/private');
    expect(created.status).toBe(201);
    const { id } = await json(created);
    const evaluator = evaluatorByKind({ benchmark: createBenchmarkEvaluator(new BenchmarkCatalog(BENCHMARKS_DIR)), train: createTrainEvaluator() });
    const finished = await runSearchToEnd(db.store, 'alice', id, { evaluator, job: { artifacts } });
    expect(finished).toMatchObject({ status: 'SUCCEEDED' });
    expect((await db.store.allTrials('alice', id))[0]).toMatchObject({ status: 'SUCCEEDED' });
  }, 60_000);

  it('are out of reach of another tenant by every artifacts: path', async () => {
    for (const ref of ['artifacts:tenants/alice/datasets/private', 'artifacts:datasets/private']) {
      expect(await expectDatasetRefused(await createTrainSearch(bob, ref))).toMatch(/no dataset at/);
    }
    for (const ref of ['artifacts:../alice/datasets/private', 'artifacts:datasets/../../alice/datasets/private', 'artifacts:/tenants/alice/datasets/private']) {
      expect(await expectDatasetRefused(await createTrainSearch(bob, ref))).toMatch(/own artifacts/);
    }
  });

  it('cannot be reached by a file upload that climbs out of its folder', async () => {
    for (const path of ['/v1/datasets/..%2F..%2Falice/files/manifest.json', '/v1/datasets/x/files/..%2F..%2F..%2Falice%2Fdatasets%2Fprivate%2Fmanifest.json']) {
      const response = await bob.fetch(server.url, path, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: '{}' });
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
    }
    expect(await json(await alice.fetch(server.url, '/v1/datasets/private'))).toMatchObject({ name: 'private' });
  });

  it('are refused by the job too: a stored spec naming another tenant resolves inside its own tenant and trains on nothing', async () => {
    // As if a spec had got past the API: the job reads artifacts: under the search's own tenant only.
    const spec: SearchSpec = { ...SearchSpecSchema.parse(trainSpec('artifacts:datasets/private')), seed: 1 };
    await db.store.createSearch(newSearchRecord('bob', 'forged', spec, new Date().toISOString()));
    const evaluator = evaluatorByKind({ benchmark: createBenchmarkEvaluator(new BenchmarkCatalog(BENCHMARKS_DIR)), train: createTrainEvaluator() });
    await runSearchToEnd(db.store, 'bob', 'forged', { evaluator, job: { artifacts } }).catch(() => undefined);
    const [trial] = await db.store.allTrials('bob', 'forged');
    expect(trial?.status).not.toBe('SUCCEEDED');
    expect(trial?.metrics).toBeUndefined();
  }, 60_000);

  it('by dir: only come from under the operator\'s datasets folder, with one answer for every path outside it', async () => {
    const outside = join(root, 'outside');
    await writeDataset(new DirectoryArtifactStore(outside), '', blobs.build({}));
    await symlink(outside, join(datasetsRoot, 'link-out'));
    await writeDataset(new DirectoryArtifactStore(join(datasetsRoot, 'shared')), '', blobs.build({}));
    expect((await createTrainSearch(bob, 'dir:shared')).status).toBe(201);

    const answers = new Set<string>();
    for (const ref of [`dir:${outside}`, `dir:${join(root, 'no-such-folder')}`, 'dir:../outside', 'dir:link-out', 'dir:/etc', 'dir:missing']) {
      answers.add(await expectDatasetRefused(await createTrainSearch(bob, ref)).then((message) => message.replace(/^dir:(<[^>]*>|\S+)/, 'dir:<path>')));
    }
    // Whether the folder exists, is a link out, or is not there at all: the same words.
    expect(answers.size).toBe(1);
  });

  it('by s3:// only come from prefixes the tenant registered, never the service\'s own bucket', async () => {
    expect(await expectDatasetRefused(await createTrainSearch(bob, 's3://team-data/digits'))).toMatch(/register/);
    const ownBucket = await bob.fetch(server.url, '/v1/dataset-sources', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: 's3://service-artifacts/tenants/alice/' }) });
    expect(ownBucket.status).toBe(400);
    expect((await json(ownBucket)).errors).toEqual([expect.objectContaining({ field: 'uri' })]);

    const registered = await bob.fetch(server.url, '/v1/dataset-sources', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: 's3://team-data/digits' }) });
    expect(registered.status).toBe(201);
    expect((await createTrainSearch(bob, 's3://team-data/digits/v2')).status).toBe(201);
    // A registered prefix covers what is under it, not a sibling that merely starts the same.
    expect(await expectDatasetRefused(await createTrainSearch(bob, 's3://team-data/digits-private'))).toMatch(/register/);
    // Another tenant's registration is not this one's.
    expect(await expectDatasetRefused(await createTrainSearch(alice, 's3://team-data/digits/v2'))).toMatch(/register/);
    const removed = await bob.fetch(server.url, `/v1/dataset-sources?uri=${encodeURIComponent('s3://team-data/digits')}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(await expectDatasetRefused(await createTrainSearch(bob, 's3://team-data/digits/v2'))).toMatch(/register/);
  });
});
