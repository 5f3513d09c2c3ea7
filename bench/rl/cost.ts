/**
 * `npm run bench:rl:cost`: what it costs to train a useful policy. Trains the default nb201 policy on
 * CIFAR-10 validation accuracy, publishing a snapshot every `--snapshot-every` learner steps, then runs
 * every snapshot as the `rl` strategy for 50 queries (the seeds of `npm run bench:search`) next to local
 * search and random search, and reports the wall time and steps of the first snapshot whose mean beats
 * local search, and of the first whose 95% CI lies above it, per task.
 *
 * Options: --network mlp-64x2 --learning-rate 1e-3 --max-steps 1500 --snapshot-every 100 --seed 0
 *          --seeds 50 --workers N --out DIR
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import type { TaskName } from '../../src/benchmarking/benchmark-tasks.js';
import { readConfig } from '../../src/config.js';
import { loadTrainingBenchmark } from '../../src/strategies/rl/benchmark-oracle.js';
import { observationLayout } from '../../src/strategies/rl/observation.js';
import { encodedPolicyWeights } from '../../src/strategies/rl/policy-codec.js';
import { PolicyRegistry } from '../../src/strategies/rl/policy-registry.js';
import { trainAgent } from '../../src/strategies/rl/trainer.js';
import { chooseBackend } from '../../src/training/backend.js';
import { TrainingOptionsSchema } from '../../src/strategies/rl/training-options.js';
import { beats, defaultOut, evaluate, fmt } from './evaluate.js';
import { NETWORKS } from './networks.js';

const TASKS: TaskName[] = ['nb201-cifar10', 'nb201-cifar100', 'nb201-imagenet16'];
const BASELINES = ['local-search', 'random'];
const QUERIES = 50;

const { values } = parseArgs({
  options: {
    network: { type: 'string', default: 'mlp-64x2' },
    'learning-rate': { type: 'string', default: '1e-3' },
    'max-steps': { type: 'string', default: '1500' },
    'snapshot-every': { type: 'string', default: '100' },
    seed: { type: 'string', default: '0' },
    seeds: { type: 'string', default: '50' },
    workers: { type: 'string', default: String(cpus().length) },
    out: { type: 'string', default: defaultOut('cost') },
  },
});
const network = NETWORKS[values.network];
if (!network) throw new Error(`unknown network '${values.network}' (one of ${Object.keys(NETWORKS).join(', ')})`);
const artifactsDir = join(values.out, 'artifacts');
const registry = new PolicyRegistry(new DirectoryArtifactStore(artifactsDir));

// The fastest backend here (WASM without the native packages): learner steps are 4x faster than on the CPU one.
await chooseBackend();
const benchmark = await loadTrainingBenchmark('nb201', 'nb201', 'cifar10_valid_12', readConfig().benchmarksDir);
const options = TrainingOptionsSchema.parse({
  network,
  learningRate: Number(values['learning-rate']),
  steps: Number(values['max-steps']),
  seed: Number(values.seed),
  checkpointInterval: Number(values['snapshot-every']),
});
const snapshots: { name: string; steps: number; envSteps: number; wallSeconds: number }[] = [];
await trainAgent({
  space: benchmark.space,
  oracle: benchmark.oracle,
  options,
  hooks: {
    async onCheckpoint(checkpoint) {
      const name = `snapshot-${checkpoint.learnerSteps}`;
      snapshots.push({ name, steps: checkpoint.learnerSteps, envSteps: checkpoint.envSteps, wallSeconds: checkpoint.elapsedSeconds });
      await registry.put(
        {
          name,
          space: 'nb201',
          benchmark: 'nb201',
          metric: 'cifar10_valid_12',
          steps: checkpoint.learnerSteps,
          envSteps: checkpoint.envSteps,
          hyperparameters: { ...options },
          score: null,
          seed: options.seed,
          trainingSeconds: checkpoint.elapsedSeconds,
          created: new Date().toISOString(),
        },
        encodedPolicyWeights('nb201', options.network, observationLayout(benchmark.space), checkpoint.online),
      );
    },
  },
});

const rows = await evaluate({
  tasks: TASKS,
  strategies: [...BASELINES, ...snapshots.map((s) => `rl@${s.name}`)],
  seeds: Number(values.seeds),
  maxQueries: QUERIES,
  artifactsDir,
  workers: Number(values.workers),
});
const at = (task: TaskName, strategy: string) => rows.find((r) => r.task === task && r.strategy === strategy)!.atQueries[QUERIES]!;
const firstBeating = (task: TaskName, test: (rl: ReturnType<typeof at>, ls: ReturnType<typeof at>) => boolean) =>
  snapshots.find((s) => test(at(task, `rl@${s.name}`), at(task, 'local-search')));
const describe = (s: (typeof snapshots)[number] | undefined) => (s ? `${s.steps} steps, ${s.wallSeconds.toFixed(1)} s` : 'not within the run');
const markdown = [
  '# RL training cost',
  '',
  `${values.network}, learning rate ${values['learning-rate']}, seed ${values.seed}, trained on nb201 cifar10_valid_12 (nb201-cifar10 is the training dataset); ${values.seeds} search seeds; value @${QUERIES} queries.`,
  '',
  '| task | local search @50 | first snapshot with a higher mean | first snapshot whose 95% CI lies above |',
  '| --- | --- | --- | --- |',
  ...TASKS.map((task) => `| ${task} | ${fmt(at(task, 'local-search'))} | ${describe(firstBeating(task, (rl, ls) => rl.mean > ls.mean))} | ${describe(firstBeating(task, beats))} |`),
  '',
  `| snapshot | steps | env steps | wall s | ${TASKS.map((t) => `${t} @${QUERIES}`).join(' | ')} |`,
  `| --- | --- | --- | --- | ${TASKS.map(() => '---').join(' | ')} |`,
  ...BASELINES.map((b) => `| ${b} | | | | ${TASKS.map((t) => fmt(at(t, b))).join(' | ')} |`),
  ...snapshots.map((s) => `| ${s.name} | ${s.steps} | ${s.envSteps} | ${s.wallSeconds.toFixed(1)} | ${TASKS.map((t) => fmt(at(t, `rl@${s.name}`))).join(' | ')} |`),
  '',
].join('\n');
await mkdir(values.out, { recursive: true });
await writeFile(join(values.out, 'results.json'), JSON.stringify({ config: values, snapshots, rows }, null, 2));
await writeFile(join(values.out, 'results.md'), markdown);
console.log(markdown);
console.log(`wrote ${join(values.out, 'results.{json,md}')}`);
