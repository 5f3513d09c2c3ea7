/**
 * `npm run bench:train-search`: the default local training search, measured end to end on the local
 * service (its own process, its job pool): `mlp` on MNIST digits, random search, 20 trials, two at a time,
 * the median stopping rule. Reports wall time, trials by state, the best trial's validation and test
 * accuracy, and the backend the jobs chose; prints a table and saves JSON.
 *
 * Options: --trials 20 --parallel 2 --epochs 8 --seed 1 --strategy random --out DIR --timeout 1800
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SearchView } from '../../src/api/views.js';
import { newApiKey } from '../../src/auth/api-keys.js';
import { createClient } from '../../src/client/index.js';
import { startServiceProcess, waitFor } from '../../src/local/service-process.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    parallel: { type: 'string', default: '2' },
    epochs: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    strategy: { type: 'string', default: 'random' },
    timeout: { type: 'string', default: '1800' },
    out: { type: 'string', default: join('bench-results', 'train-search') },
  },
});

const dataDir = await mkdtemp(join(tmpdir(), 'nas-train-search-'));
const apiKey = newApiKey();
const parallel = Number(values.parallel);
const service = await startServiceProcess({ NAS_API_KEY: apiKey, NAS_DATA_DIR: dataDir, NAS_WORKERS: String(parallel), NAS_SWEEP_SECONDS: '2' });
try {
  const client = createClient({ baseUrl: service.url, apiKey });
  const started = performance.now();
  const { id } = await client.createSearch({
    space: 'mlp',
    objectives: [{ metric: 'validation_accuracy', direction: 'maximize' }],
    strategy: { name: values.strategy as 'random' },
    evaluator: { kind: 'train', dataset: 'mnist', datasetOptions: { layout: 'flat' }, schedule: { epochs: Number(values.epochs), batchSize: 128 } },
    earlyStopping: { algorithm: 'median' },
    budget: { maxTrialCount: Number(values.trials), parallelTrialCount: parallel },
    seed: Number(values.seed),
  });
  const finished = await waitFor<SearchView>(
    async () => {
      const search = await client.getSearch(id);
      return ['CREATED', 'RUNNING'].includes(search.status) ? undefined : search;
    },
    'the search to finish',
    Number(values.timeout) * 1000,
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const trials = await client.allTrials(id);
  const best = trials.find((t) => t.number === finished.best?.trialNumber);
  const trainedSeconds = trials.map((t) => t.costSeconds ?? 0);
  const result = {
    spec: { trials: Number(values.trials), parallel, epochs: Number(values.epochs), strategy: values.strategy, seed: Number(values.seed) },
    status: finished.status,
    wallSeconds,
    counters: finished.trialStatusCounters,
    meanTrialSeconds: trainedSeconds.reduce((a, b) => a + b, 0) / Math.max(trainedSeconds.length, 1),
    backends: [...new Set(trials.map((t) => t.backend).filter(Boolean))],
    best: best && { arch: best.arch, validationAccuracy: best.metrics?.validation_accuracy, testAccuracy: best.metrics?.test_accuracy, latencyMs: best.metrics?.latency_ms },
  };
  console.table({
    'wall time (s)': result.wallSeconds.toFixed(0),
    'trials succeeded / early-stopped / failed': `${result.counters.succeeded} / ${result.counters.earlyStopped} / ${result.counters.failed}`,
    'mean training s per trial': result.meanTrialSeconds.toFixed(1),
    backends: result.backends.join(', '),
    'best architecture': result.best?.arch,
    'best validation accuracy': result.best?.validationAccuracy?.toFixed(4),
    'its test accuracy': result.best?.testAccuracy?.toFixed(4),
    'its latency (ms, batch 1)': result.best?.latencyMs?.toFixed(2),
  });
  await mkdir(values.out!, { recursive: true });
  const file = join(values.out!, `train-search-${Date.now()}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`saved ${file}`);
} finally {
  await service.stop();
  await rm(dataDir, { recursive: true, force: true });
}
