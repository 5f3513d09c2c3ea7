/**
 * `npm run bench:predictor`: how well the performance predictor ranks NAS-Bench-201 architectures it has
 * not seen, by training-set size, and how fast it predicts. For each seed, a disjoint seeded draw of
 * held-out and training architectures; for each size, one predictor (default options) trained in a worker
 * thread and scored by Spearman and Kendall tau on the held-out set. Then, with the workers done, the
 * latency of `predict` on 100 and 1,000 architectures (the most POST /v1/predictions takes) and of whole
 * POST /v1/predictions calls for 100 (`endpoint-latency.ts`).
 *
 * Options: --seeds 10 --sizes 50,100,200,400 --held-out 1000 --metric cifar10_test_200 --encoding path
 *          --latency-calls 200 (a quarter of them for 1,000 architectures) --workers N --out DIR
 * Same options, same correlations: every split and every predictor is seeded by the seed's index.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { meanWithCi, type MeanWithCi } from '../../src/benchmarking/statistics.js';
import { readConfig } from '../../src/config.js';
import { loadNb201Table, NB201_METRICS } from '../../src/evaluators/nb201-table.js';
import { resolvePredictorOptions } from '../../src/predictors/predictor-options.js';
import { trainPredictor } from '../../src/predictors/predictor.js';
import { nb201Space } from '../../src/spaces/nb201.js';
import type { EncodingKind } from '../../src/spaces/space.js';
import { measureEndpointLatency } from './endpoint-latency.js';
import { measureLatency } from './latency.js';
import { nb201Split } from './nb201-split.js';
import type { RunResult, RunSpec, WorkerInput } from './protocol.js';
import { runInWorkers } from '../worker-pool.js';

/** The targets: Spearman at 200 training architectures, p99 latency for 100 architectures. */
const TARGET_SPEARMAN_AT_200 = 0.85;
const TARGET_P99_MS_FOR_100 = 50;

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    sizes: { type: 'string', default: '50,100,200,400' },
    'held-out': { type: 'string', default: '1000' },
    metric: { type: 'string', default: 'cifar10_test_200' },
    encoding: { type: 'string', default: 'path' },
    'latency-calls': { type: 'string', default: '200' },
    workers: { type: 'string', default: String(cpus().length) },
    out: { type: 'string', default: join('bench-results', 'predictor') },
  },
});
const seeds = Number(values.seeds);
const sizes = values.sizes.split(',').map(Number);
const heldOutSize = Number(values['held-out']);
const latencyCalls = Number(values['latency-calls']);
const { metric } = values;
const encoding = values.encoding as EncodingKind;
if (!NB201_METRICS.includes(metric)) throw new Error(`unknown NB201 metric '${metric}'`);
if (encoding !== 'path' && encoding !== 'adjacency') throw new Error(`unknown encoding '${encoding}' (path or adjacency)`);
if (sizes.some((size) => !Number.isInteger(size) || size < 2)) throw new Error(`sizes must be integers >= 2, got '${values.sizes}'`);

const { benchmarksDir } = readConfig();
const poolSize = Math.max(...sizes);
// Largest first, dealt round-robin, so that the workers finish at about the same time.
const runs: RunSpec[] = [...sizes].sort((a, b) => b - a).flatMap((size) => Array.from({ length: seeds }, (_, seed) => ({ size, seed })));
const workerCount = Math.max(1, Math.min(Number(values.workers), runs.length));
const started = performance.now();

const results = await runInWorkers<RunSpec, RunResult>(new URL('./worker.ts', import.meta.url), runs, workerCount, {
  benchmarksDir,
  metric,
  encoding,
  heldOutSize,
  poolSize,
} satisfies Omit<WorkerInput, 'runs'>);

const latencySize = sizes.includes(200) ? 200 : poolSize;
const split = nb201Split(await loadNb201Table(benchmarksDir), metric, 0, heldOutSize, poolSize);
const predictor = trainPredictor({ space: nb201Space, encoding, ...split.training(latencySize), seed: 0 });
// A quarter of the calls for 1,000 architectures: ten times the work per call, and p50 is what matters there.
const latency = [
  { batch: 100, calls: latencyCalls },
  { batch: 1000, calls: Math.ceil(latencyCalls / 4) },
].map(({ batch, calls }) => {
  const archs = Array.from({ length: batch }, (_, i) => split.heldOut.archs[i % heldOutSize]!);
  return measureLatency(() => predictor.predict(archs), batch, calls);
});
predictor.dispose();
const endpoint = await measureEndpointLatency(
  benchmarksDir,
  metric,
  split.training(latencySize),
  Array.from({ length: 100 }, (_, i) => nb201Space.format(split.heldOut.archs[i % heldOutSize]!)),
  latencyCalls,
);
const elapsedSeconds = (performance.now() - started) / 1000;

interface Summary {
  size: number;
  spearman: MeanWithCi;
  kendallTau: MeanWithCi;
  trainSeconds: MeanWithCi;
}
const summaries: Summary[] = sizes.map((size) => {
  const group = results.filter((r) => r.size === size);
  return {
    size,
    spearman: meanWithCi(group.map((r) => r.spearman)),
    kendallTau: meanWithCi(group.map((r) => r.kendallTau)),
    trainSeconds: meanWithCi(group.map((r) => r.trainSeconds)),
  };
});

const fmt = (m: MeanWithCi, digits: number) => (Number.isFinite(m.ci95) ? `${m.mean.toFixed(digits)} ± ${m.ci95.toFixed(digits)}` : m.mean.toFixed(digits));
const at200 = summaries.find((s) => s.size === 200);
const latency100 = latency.find((l) => l.batch === 100)!;
const verdict = (met: boolean) => (met ? 'met' : '**not met**');
const markdown = [
  `# Performance predictor benchmark`,
  '',
  `NB201 \`${metric}\`, \`${encoding}\` encoding, default options ${JSON.stringify(resolvePredictorOptions())}.`,
  `${seeds} seeds per size, ${heldOutSize} held-out architectures per seed (disjoint from training), ${workerCount} worker threads, ${elapsedSeconds.toFixed(0)} s wall time.`,
  `Values: mean ± 95% CI over seeds; training time is wall time in a worker while the other workers train too.`,
  '',
  `| training architectures | Spearman | Kendall tau | training time (s) |`,
  `| --- | --- | --- | --- |`,
  ...summaries.map((s) => `| ${s.size} | ${fmt(s.spearman, 3)} | ${fmt(s.kendallTau, 3)} | ${fmt(s.trainSeconds, 2)} |`),
  '',
  `Prediction latency (one warm predictor trained on ${latencySize} architectures, whole \`predict\` calls, nothing else running):`,
  '',
  `| architectures per call | calls | p50 (ms) | p99 (ms) |`,
  `| --- | --- | --- | --- |`,
  ...latency.map((l) => `| ${l.batch} | ${l.calls} | ${l.p50Ms.toFixed(1)} | ${l.p99Ms.toFixed(1)} |`),
  `| ${endpoint.batch}, whole \`POST /v1/predictions\` (app, auth, store) | ${endpoint.calls} | ${endpoint.p50Ms.toFixed(1)} | ${endpoint.p99Ms.toFixed(1)} |`,
  '',
  ...(at200 ? [`Target Spearman ≥ ${TARGET_SPEARMAN_AT_200} at 200 training architectures: ${verdict(at200.spearman.mean >= TARGET_SPEARMAN_AT_200)} (${at200.spearman.mean.toFixed(3)}).`] : []),
  `Target p99 < ${TARGET_P99_MS_FOR_100} ms for 100 architectures through POST /v1/predictions: ${verdict(endpoint.p99Ms < TARGET_P99_MS_FOR_100)} (${endpoint.p99Ms.toFixed(1)} ms; predict alone ${latency100.p99Ms.toFixed(1)} ms).`,
  '',
].join('\n');

await mkdir(values.out, { recursive: true });
await writeFile(
  join(values.out, 'results.json'),
  JSON.stringify(
    { config: { seeds, sizes, heldOutSize, metric, encoding, latencyCalls, workers: workerCount, options: resolvePredictorOptions() }, elapsedSeconds, summaries, latency, endpoint, runs: results },
    null,
    2,
  ),
);
await writeFile(join(values.out, 'results.md'), markdown);
console.log(markdown);
console.log(`wrote ${join(values.out, 'results.{json,md}')}`);
