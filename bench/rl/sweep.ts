/**
 * `npm run bench:rl`: the RL robustness sweep. Trains one nb201 policy per (network, learning rate) on
 * CIFAR-10 validation accuracy (12 epochs) with the same seed, then runs each as the `rl` strategy against
 * random search, random walk and local search with the seeds of `npm run bench:search`, on the training
 * dataset and on CIFAR-100 and ImageNet16-120, which the policies never saw. Prints a table (a star: the 95%
 * CI lies above every baseline's) and saves JSON.
 *
 * Options: --networks mlp-64x2,mlp-256x2 --learning-rates 3e-4,1e-3,3e-3 --steps 1500 --seed 0
 *          --seeds 50 --queries 100 --workers N --out DIR
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TaskName } from '../../src/benchmarking/benchmark-tasks.js';
import { chooseBackend } from '../../src/training/backend.js';
import { defaultOut, evaluate, markdownTable, trainNb201Policy } from './evaluate.js';
import { NETWORKS } from './networks.js';

const BASELINES = ['random', 'random-walk', 'local-search'];
const TASKS: TaskName[] = ['nb201-cifar10', 'nb201-cifar100', 'nb201-imagenet16'];

const { values } = parseArgs({
  options: {
    networks: { type: 'string', default: 'mlp-64x2,mlp-256x2' },
    'learning-rates': { type: 'string', default: '3e-4,1e-3,3e-3' },
    steps: { type: 'string', default: '1500' },
    seed: { type: 'string', default: '0' },
    seeds: { type: 'string', default: '50' },
    queries: { type: 'string', default: '100' },
    workers: { type: 'string', default: String(cpus().length) },
    out: { type: 'string', default: defaultOut('sweep') },
  },
});
const networks = values.networks.split(',');
for (const n of networks) if (!NETWORKS[n]) throw new Error(`unknown network '${n}' (one of ${Object.keys(NETWORKS).join(', ')})`);
const learningRates = values['learning-rates'].split(',').map(Number);
const artifactsDir = join(values.out, 'artifacts');

// The fastest backend here (WASM without the native packages): learner steps are 4x faster than on the CPU one.
await chooseBackend();
const trained = [];
for (const network of networks) {
  for (const learningRate of learningRates) {
    const name = `${network}-lr${learningRate}`;
    const started = performance.now();
    const manifest = await trainNb201Policy(artifactsDir, name, { network: NETWORKS[network]!, learningRate, steps: Number(values.steps), seed: Number(values.seed) });
    trained.push({ name, network, learningRate, steps: manifest.steps, wallSeconds: (performance.now() - started) / 1000, trainingScore: manifest.score?.value ?? null });
    console.log(`trained ${name}: ${manifest.steps} steps in ${trained.at(-1)!.wallSeconds.toFixed(0)} s`);
  }
}

const rows = await evaluate({
  tasks: TASKS,
  strategies: [...BASELINES, ...trained.map((t) => `rl@${t.name}`)],
  seeds: Number(values.seeds),
  maxQueries: Number(values.queries),
  artifactsDir,
  workers: Number(values.workers),
});
const markdown = [
  '# RL robustness sweep',
  '',
  `Policies trained on nb201 cifar10_valid_12 (seed ${values.seed}, ${values.steps} learner steps each); ${values.seeds} search seeds per row.`,
  'nb201-cifar10 is the training dataset; nb201-cifar100 and nb201-imagenet16 were never seen in training.',
  'Values: test accuracy (200 epochs) of the incumbent selected by validation accuracy, mean ± 95% CI; * = CI above every baseline.',
  '',
  '| policy | network | learning rate | steps | training wall time (s) |',
  '| --- | --- | --- | --- | --- |',
  ...trained.map((t) => `| ${t.name} | ${t.network} | ${t.learningRate} | ${t.steps} | ${t.wallSeconds.toFixed(0)} |`),
  '',
  markdownTable(rows, BASELINES),
  '',
].join('\n');
await mkdir(values.out, { recursive: true });
await writeFile(join(values.out, 'results.json'), JSON.stringify({ config: values, trained, rows }, null, 2));
await writeFile(join(values.out, 'results.md'), markdown);
console.log(markdown);
console.log(`wrote ${join(values.out, 'results.{json,md}')}`);
