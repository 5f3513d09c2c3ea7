import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedRandomNb201Search } from '../helpers/run-search.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { loadNb201Table } from '../../src/evaluators/nb201-table.js';
import { spearman } from '../../src/predictors/rank-correlation.js';
import { Rng } from '../../src/random/rng.js';
import { nb201Space } from '../../src/spaces/nb201.js';
import { authorizedApp, withPredictors } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { TEST_TENANT } from '../helpers/records.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const catalog = new BenchmarkCatalog(BENCHMARKS_DIR);
const METRIC = 'cifar10_valid_12';
let db: TestStore;
let artifactsDir: string;
let now = Date.parse('2026-11-29T12:00:00Z');
const clock = () => new Date(now);

/** Runs a random NB201 search of `trials` trials to its end through the controller. */
async function finishedSearch(id: string, trials: number, seed: number, tenantId = TEST_TENANT): Promise<void> {
  await finishedRandomNb201Search(db.store, { catalog, tenantId, id, trials, seed, metric: METRIC, clock });
}

beforeAll(async () => {
  db = await startTestStore();
  artifactsDir = await mkdtemp(join(tmpdir(), 'nas-predictors-'));
});
afterAll(async () => {
  await db.close();
  await rm(artifactsDir, { recursive: true, force: true });
});

const json = (response: Response): Promise<any> => response.json();

const body = (architectures: string[]) => ({
  space: 'nb201',
  evaluator: { kind: 'benchmark', benchmark: 'nb201' },
  metric: METRIC,
  architectures,
});

describe('POST /v1/predictions', () => {
  it('learns from the tenant’s finished trials, answers every valid architecture and flags each invalid one, and updates as trials finish', async () => {
    const deps = withPredictors({ store: db.store, events: new RecordingEvents(), benchmarks: catalog, clock, artifacts: new DirectoryArtifactStore(artifactsDir) });
    const { request } = await authorizedApp(deps, TEST_TENANT);
    const post = (json: unknown) =>
      request('/v1/predictions', { method: 'POST', body: JSON.stringify(json), headers: { 'content-type': 'application/json' } });

    const tooEarly = await post(body([nb201Space.format(nb201Space.sample(Rng.fromSeed(1)))]));
    expect(tooEarly.status).toBe(409);
    expect((await json(tooEarly)).detail).toMatch(/needs 10 \(you have 0\)/);

    await finishedSearch('P1', 60, 1);
    const table = await loadNb201Table(BENCHMARKS_DIR);
    const rng = Rng.fromSeed(99);
    const unseen = Array.from({ length: 200 }, () => nb201Space.format(nb201Space.sample(rng)));
    const response = await post(body([unseen[0]!, 'not-a-cell', ...unseen.slice(1)]));
    expect(response.status).toBe(200);
    const answer = await json(response);
    expect(answer.predictor.trainingSize).toBe(60);
    expect(answer.items).toHaveLength(201);
    expect(answer.items[1]).toMatchObject({ index: 1, arch: 'not-a-cell', error: { field: 'architectures[1]' } });
    const predicted = answer.items.filter((item: { mean?: number }) => item.mean !== undefined);
    expect(predicted).toHaveLength(200);
    expect(predicted.every((item: { std: number }) => item.std >= 0)).toBe(true);
    // It ranks architectures it never saw far better than chance.
    const truth = predicted.map((item: { arch: string }) => table.lookup(item.arch)![METRIC]!);
    expect(spearman(predicted.map((item: { mean: number }) => item.mean), truth)).toBeGreaterThan(0.5);

    // Within the refresh interval the same version answers; after it, new trials are learnt.
    await finishedSearch('P2', 20, 2);
    expect((await json(await post(body([unseen[0]!])))).predictor.version).toBe(answer.predictor.version);
    now += 60_000;
    const updated = await json(await post(body([unseen[0]!])));
    expect(updated.predictor.trainingSize).toBeGreaterThan(60);
    expect(updated.predictor.version).not.toBe(answer.predictor.version);

    // Another tenant's trials teach this tenant nothing.
    const other = await authorizedApp(deps, 'other-tenant');
    const isolated = await other.request('/v1/predictions', { method: 'POST', body: JSON.stringify(body([unseen[0]!])), headers: { 'content-type': 'application/json' } });
    expect(isolated.status).toBe(409);

    const tooMany = await post(body(Array.from({ length: 1001 }, () => unseen[0]!)));
    expect(tooMany.status).toBe(400);
    expect((await json(tooMany)).errors[0].field).toBe('architectures');
  });
});

describe('GET /v1/predictors', () => {
  it('lists the tenant’s predictors with what each predicts, how much it learnt and its version, and nobody else’s', async () => {
    const deps = withPredictors({ store: db.store, events: new RecordingEvents(), benchmarks: catalog, clock, artifacts: new DirectoryArtifactStore(artifactsDir) });
    const tenant = 'registry-tenant';
    const { request } = await authorizedApp(deps, tenant);
    const list = async (query = '') => json(await request(`/v1/predictors${query}`));
    const asked = JSON.stringify(body([nb201Space.format(nb201Space.sample(Rng.fromSeed(3)))]));
    const predictThrough = async (send: typeof request) =>
      json(await send('/v1/predictions', { method: 'POST', body: asked, headers: { 'content-type': 'application/json' } }));
    expect(await list()).toEqual({ items: [] });

    await finishedSearch('R1', 12, 5, tenant);
    const first = (await predictThrough(request)).predictor;
    const [record] = (await list()).items;
    expect(record).toEqual({
      space: 'nb201',
      task: { evaluator: { kind: 'benchmark', benchmark: 'nb201' }, metric: METRIC },
      encoding: 'path',
      trainingSize: 12,
      heldOut: null,
      version: first.version,
      updatedAt: clock().toISOString(),
    });
    expect((await list('?space=nb201')).items).toHaveLength(1);
    expect((await list('?space=darts')).items).toEqual([]);
    const badSpace = await request('/v1/predictors?space=nope');
    expect(badSpace.status).toBe(400);
    expect((await json(badSpace)).errors[0].field).toBe('space');
    expect((await json(await (await authorizedApp(deps, 'someone-else')).request('/v1/predictors'))).items).toEqual([]);

    // It learns trials that finished since, and the record follows; another API instance (a restart, another
    // Lambda) loads the stored predictor and reports when it was updated, not when it was loaded.
    await finishedSearch('R2', 15, 6, tenant);
    now += 60_000;
    const second = (await predictThrough(request)).predictor;
    expect((await list()).items).toEqual([{ ...record, trainingSize: second.trainingSize, heldOut: second.heldOut, version: second.version, updatedAt: clock().toISOString() }]);
    expect(second.trainingSize).toBeGreaterThan(12);
    expect(second.heldOut.size).toBeGreaterThanOrEqual(10);
    now += 5_000;
    const restarted = await predictThrough((await authorizedApp(withPredictors(deps), tenant)).request);
    expect(restarted.predictor).toEqual(second);
  });

  it('is described in the OpenAPI document', async () => {
    const { app } = await authorizedApp({ store: db.store, events: new RecordingEvents(), benchmarks: catalog, clock });
    const doc = await json(await app.request('/openapi.json'));
    expect(doc.paths['/v1/predictors'].get.responses['200']).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toContain('PredictorRecord');
  });
});
