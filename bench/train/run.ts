/**
 * `npm run bench:train`: training throughput of TensorFlow.js models on every backend that starts here,
 * for the models a training search meets: an MLP on 784 inputs, a small CNN on 28x28x1, an LSTM language
 * model (64 units, 35 steps, 1,000 words), and the NB201 and DARTS networks at their default settings.
 * Each measurement builds the model on the backend, trains one warm-up batch, then trains batches of
 * seeded random data (throughput does not depend on the values) in `--windows` windows of `--seconds`
 * (at least one batch each) and keeps the fastest window: the cores are shared, and the least disturbed
 * window is the closest to what the backend can do. A backend that cannot train a model (absent, or
 * lacking a kernel) is listed with the reason.
 * Then the wall time of whole default trials (`--trials`, spaces of `DEFAULT_TRIALS`, default `mlp`):
 * the `train` evaluator on `mnist` with the default schedule, as a local job runs it.
 * The machine's load average is recorded beside the numbers: other work on the cores slows them down.
 *
 * Options: --seconds 1.5 --windows 3 --batch-size 16 --trials mlp[,cnn,nb201 | ''] --out bench-results/train
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { Unavailable } from '../../src/errors.js';
import { chooseBackend, TRAINING_BACKENDS, type TrainingBackend } from '../../src/training/backend.js';
import { modelCost, trainableParamCount } from '../../src/training/models/model-cost.js';
import { placeholderDataset } from '../../src/training/models/task-shape.js';
import { trainingStepKernels } from '../../src/training/train-loop.js';
import { DEFAULT_TRIALS, timeDefaultTrial, type TrialSpace } from './trial.js';
import { randomData, WORKLOADS, type Workload } from './workloads.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '1.5' },
    windows: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '16' },
    trials: { type: 'string', default: 'mlp' },
    out: { type: 'string', default: join('bench-results', 'train') },
  },
});
const seconds = Number(values.seconds);
const windows = Number(values.windows);
if (!Number.isInteger(windows) || windows < 1) throw new Error(`--windows must be a positive integer, got '${values.windows}'`);
const batchSize = Number(values['batch-size']);
const trialSpaces = values.trials.split(',').filter((space) => space !== '');
for (const space of trialSpaces) {
  if (!(space in DEFAULT_TRIALS)) throw new Error(`--trials: no default trial for '${space}' (${Object.keys(DEFAULT_TRIALS).join(', ')})`);
}
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got '${values.seconds}'`);
if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size must be a positive integer, got '${values['batch-size']}'`);

interface Row {
  readonly model: string;
  readonly params: number;
  /** Multiply-accumulates per sample, where the counter knows every layer (not the LSTM). */
  readonly macs: number | null;
  readonly backend: TrainingBackend;
  readonly samplesPerSecond: number | null;
  readonly unavailable?: string;
}

/** Parameters and MACs, counted on a CPU-built copy that also tells which kernels training needs. */
async function describeWorkload(workload: Workload) {
  await tf.setBackend('cpu');
  const model = workload.build();
  const params = trainableParamCount(model);
  let macs: number | null = null;
  try {
    macs = modelCost(model).flops;
  } catch {
    // The counter covers the searched spaces' layers; the LSTM workload is only timed.
  }
  const kernels = await trainingStepKernels(model, placeholderDataset(workload.shape));
  model.dispose();
  return { params, macs, kernels };
}

async function samplesPerSecond(workload: Workload): Promise<number> {
  const model = workload.build();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const { x, y } = randomData(workload.shape, batchSize, 7);
  await model.trainOnBatch(x, y);
  let fastest = 0;
  for (let window = 0; window < windows; window += 1) {
    let batches = 0;
    const started = performance.now();
    do {
      await model.trainOnBatch(x, y);
      batches += 1;
    } while (performance.now() - started < seconds * 1000);
    fastest = Math.max(fastest, (batches * batchSize * 1000) / (performance.now() - started));
  }
  tf.dispose([x, y]);
  model.dispose();
  return fastest;
}

tf.enableProdMode();
const started = performance.now();
const rows: Row[] = [];
for (const workload of WORKLOADS) {
  const { params, macs, kernels } = await describeWorkload(workload);
  for (const backend of TRAINING_BACKENDS) {
    const row = { model: workload.name, params, macs, backend };
    try {
      await chooseBackend({ kernels, env: { NAS_TF_BACKEND: backend } });
    } catch (error) {
      if (!(error instanceof Unavailable)) throw error;
      rows.push({ ...row, samplesPerSecond: null, unavailable: error.message });
      continue;
    }
    rows.push({ ...row, samplesPerSecond: await samplesPerSecond(workload) });
    console.error(`${workload.name} on ${backend}: ${rows.at(-1)!.samplesPerSecond!.toFixed(1)} samples/s`);
  }
}
const trials = [];
for (const space of trialSpaces as TrialSpace[]) {
  trials.push(await timeDefaultTrial(space));
  console.error(`default ${space} trial: ${trials.at(-1)!.wallSeconds.toFixed(0)} s`);
}
const elapsedSeconds = (performance.now() - started) / 1000;

const environment = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  tfjs: tf.version.tfjs,
  loadAverage: loadavg()[0]!,
};
const count = (n: number) => n.toLocaleString('en-US');
const unavailable = [...new Set(rows.flatMap((row) => (row.unavailable === undefined ? [] : [row.unavailable])))];
const cell = (row: Row) => (row.samplesPerSecond === null ? `— (${unavailable.indexOf(row.unavailable!) + 1})` : row.samplesPerSecond.toFixed(1));
const markdown = [
  '# Training throughput by backend',
  '',
  `Training samples per second: Adam, categorical cross-entropy, batch ${batchSize}, the fastest of ${windows} windows of ${seconds} s after one warm-up batch; ` +
    `${environment.cores} x ${environment.cpu} (load average ${environment.loadAverage.toFixed(1)} at the end), ` +
    `Node ${environment.node}, TensorFlow.js ${environment.tfjs}; ${elapsedSeconds.toFixed(0)} s in all.`,
  '',
  `| model | parameters | MACs / sample | ${TRAINING_BACKENDS.join(' | ')} |`,
  `| --- | --- | --- | ${TRAINING_BACKENDS.map(() => '---').join(' | ')} |`,
  ...WORKLOADS.map((workload) => {
    const own = rows.filter((row) => row.model === workload.name);
    const { params, macs } = own[0]!;
    return `| ${workload.name} | ${count(params)} | ${macs === null ? '—' : count(macs)} | ${own.map(cell).join(' | ')} |`;
  }),
  '',
  ...unavailable.map((reason, i) => `(${i + 1}) ${reason}`),
  '',
  ...(trials.length === 0
    ? []
    : [
        'Default local trials (`train` evaluator, `mnist`, default schedule, whole job: training, test metrics, latency, export):',
        '',
        '| space | architecture | epochs | backend | wall time (s) | training time (s) | validation accuracy |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...trials.map(
          (t) =>
            `| ${t.space} | \`${t.arch}\` | ${t.epochs} | ${t.backend} | ${t.wallSeconds.toFixed(0)} | ${t.trainingSeconds.toFixed(0)} | ${t.validationAccuracy.toFixed(3)} |`,
        ),
        '',
      ]),
].join('\n');

await mkdir(values.out, { recursive: true });
await writeFile(join(values.out, 'results.json'), JSON.stringify({ config: { seconds, windows, batchSize, trials: trialSpaces }, environment, elapsedSeconds, rows, trials }, null, 2));
await writeFile(join(values.out, 'results.md'), markdown);
console.log(markdown);
console.log(`wrote ${join(values.out, 'results.{json,md}')}`);
