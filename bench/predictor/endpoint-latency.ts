import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/api/app.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { startEmbeddedDynamoDb } from '../../src/local/embedded-dynamodb.js';
import { newSearchRecord } from '../../src/usecases/new-search.js';
import { resolveSearchSpec } from '../../src/usecases/resolve-spec.js';
import { SearchSpecSchema } from '../../src/search/spec.js';
import { PredictorService } from '../../src/predictors/predictor-service.js';
import { nb201Space } from '../../src/spaces/nb201.js';
import { dynamoClientConfig } from '../../src/store/client-config.js';
import { DynamoDbStore } from '../../src/store/dynamodb-store.js';
import { archHash } from '../../src/controller/tick.js';
import { percentile } from '../../src/benchmarking/statistics.js';
import type { LatencyPercentiles } from './latency.js';
import type { LabelledArchs } from './nb201-split.js';

/**
 * Latency of `POST /v1/predictions` as a client of the local service sees it, minus the network: the whole
 * Hono app (auth, validation, the tenant's predictor loaded and warm) over a real dynalite store, with one
 * finished search of `training` trials behind the predictor. Calls after the first (which trains it).
 */
export async function measureEndpointLatency(benchmarksDir: string, metric: string, training: LabelledArchs, asked: readonly string[], calls: number): Promise<LatencyPercentiles> {
  const dataDir = await mkdtemp(join(tmpdir(), 'nas-bench-predictions-'));
  const dynamo = await startEmbeddedDynamoDb(dataDir, 'nas');
  try {
    const store = new DynamoDbStore({ tableName: 'nas', client: dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: dynamo.endpoint }) });
    const benchmarks = new BenchmarkCatalog(benchmarksDir);
    const spec = await resolveSearchSpec(
      SearchSpecSchema.parse({
        space: 'nb201',
        objectives: [{ metric, direction: 'maximize' }],
        strategy: { name: 'random' },
        evaluator: { kind: 'benchmark', benchmark: 'nb201' },
        budget: { maxTrialCount: training.archs.length },
        seed: 0,
      }),
      benchmarks,
      () => 0,
    );
    const now = new Date().toISOString();
    await store.createSearch({ ...newSearchRecord('bench', 'B1', spec, now), status: 'SUCCEEDED' });
    for (const [i, cell] of training.archs.entries()) {
      const arch = nb201Space.format(cell);
      await store.createTrial({
        tenantId: 'bench', searchId: 'B1', number: i + 1, status: 'SUCCEEDED', arch, archHash: archHash(nb201Space.canonical(cell)),
        attempt: 1, metrics: { [metric]: training.targets[i]! }, startOffsetSeconds: 0, createdAt: now, updatedAt: now,
      });
    }
    const clock = () => new Date();
    const artifacts = new DirectoryArtifactStore(join(dataDir, 'artifacts'));
    const predictors = new PredictorService({ store, artifacts, clock });
    const app = createApp({ store, events: { publish: () => undefined }, benchmarks, clock, artifacts, predictors });
    const key = await issueApiKey(store, 'bench', 'bench', new Date());
    const body = JSON.stringify({ space: 'nb201', evaluator: { kind: 'benchmark', benchmark: 'nb201' }, metric, architectures: asked });
    const call = async () => {
      const response = await app.request('/v1/predictions', { method: 'POST', body, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
      if (response.status !== 200) throw new Error(`POST /v1/predictions answered ${response.status}: ${await response.text()}`);
      await response.json();
    };
    for (let i = 0; i < Math.ceil(calls / 10); i++) await call();
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const started = performance.now();
      await call();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { batch: asked.length, calls, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
  } finally {
    await dynamo.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
