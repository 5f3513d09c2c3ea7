/**
 * `npm run bench:inheritance`: does weight inheritance pay (MOE/RNAS, Booysen & Bosman 2024)? For each pair:
 * a parent `rnn` cell (a seed cell: RNN, GRU or LSTM) trained `--parent-epochs` on a^n b^n c^n, and a child
 * made by one random morphism, trained twice: from the parent's weights (`inheritWeights`) and from scratch.
 * Reports the epochs each needs to reach the parent's final validation loss (0 = at once, as an exact
 * morphism does; `--max-epochs + 1` = never), mean ± 95% CI; prints a table and saves JSON.
 *
 * Options: --pairs 8 --parent-epochs 6 --max-epochs 8 --hidden 16 --out DIR
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { meanWithCi } from '../../src/benchmarking/statistics.js';
import { Rng } from '../../src/random/rng.js';
import { TrainingScheduleSchema } from '../../src/search/training-spec.js';
import { rnnRandomMorphism, rnnSeedCells, rnnSpace } from '../../src/spaces/rnn.js';
import type { RnnCell } from '../../src/spaces/rnn-cell.js';
import { chooseBackend } from '../../src/training/backend.js';
import { loadDataset } from '../../src/training/datasets/registry.js';
import { rnnBuilder } from '../../src/training/models/rnn-builder.js';
import { taskShapeOf } from '../../src/training/models/task-shape.js';
import { createOptimizer } from '../../src/training/optimizers.js';
import { evaluateSplit, trainEpoch, trainingStepKernels } from '../../src/training/train-loop.js';
import { inheritWeights } from '../../src/training/weight-inheritance.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '8' },
    'parent-epochs': { type: 'string', default: '6' },
    'max-epochs': { type: 'string', default: '8' },
    hidden: { type: 'string', default: '16' },
    out: { type: 'string', default: join('bench-results', 'inheritance') },
  },
});
const maxEpochs = Number(values['max-epochs']);
const dataset = await loadDataset('anbncn', { options: { trainSamples: 500 } });
const shape = taskShapeOf(dataset);
const settings = rnnBuilder.settings({ hiddenSize: Number(values.hidden), embeddingSize: 8 });
const schedule = TrainingScheduleSchema.parse({ epochs: maxEpochs, batchSize: 50, learningRate: 0.01 });

const build = (cell: RnnCell, seed: number) => rnnBuilder.build(cell, shape, settings, seed);
const validationLoss = async (model: tf.LayersModel) => (await evaluateSplit(model, dataset, dataset.validation)).loss;

/** Epochs of training until validation loss is at most `target` (0: already there); maxEpochs + 1 if never. */
async function epochsToReach(model: tf.LayersModel, target: number, seed: number): Promise<number> {
  if ((await validationLoss(model)) <= target) return 0;
  const optimizer = createOptimizer(schedule);
  try {
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      await trainEpoch(model, optimizer, dataset, schedule, epoch, seed);
      if ((await validationLoss(model)) <= target) return epoch;
    }
    return maxEpochs + 1;
  } finally {
    optimizer.dispose();
  }
}

const probe = build(rnnSeedCells().gru, 0);
const backend = await chooseBackend({ kernels: await trainingStepKernels(probe, dataset) });
probe.dispose();

const pairs = [];
for (let pair = 0; pair < Number(values.pairs); pair++) {
  const rng = Rng.fromSeed(pair);
  const parentCell = rng.pick(Object.values(rnnSeedCells()));
  const parent = build(parentCell, pair);
  const optimizer = createOptimizer(schedule);
  for (let epoch = 1; epoch <= Number(values['parent-epochs']); epoch++) await trainEpoch(parent, optimizer, dataset, schedule, epoch, pair);
  optimizer.dispose();
  const target = await validationLoss(parent);
  const morphism = rnnRandomMorphism(parentCell, rng)!;
  const inherited = build(morphism.child, 1000 + pair);
  inheritWeights(rnnSpace, { arch: parentCell, model: parent }, { arch: morphism.child, model: inherited });
  const scratch = build(morphism.child, 1000 + pair);
  const result = {
    parent: rnnSpace.format(parentCell),
    morphism: morphism.change.kind,
    functionPreserving: morphism.change.functionPreserving,
    parentLoss: target,
    inherited: await epochsToReach(inherited, target, pair),
    scratch: await epochsToReach(scratch, target, pair),
  };
  pairs.push(result);
  console.log(`pair ${pair}: ${result.morphism}${result.functionPreserving ? ' (exact)' : ''}: inherited ${result.inherited}, scratch ${result.scratch} epochs`);
  for (const model of [parent, inherited, scratch]) model.dispose();
}

const summary = {
  inherited: meanWithCi(pairs.map((p) => p.inherited)),
  scratch: meanWithCi(pairs.map((p) => p.scratch)),
  fasterWithInheritance: pairs.filter((p) => p.inherited < p.scratch).length,
};
console.log(`a^n b^n c^n, rnn cells (hidden ${values.hidden}), ${pairs.length} parent/child pairs, backend ${backend.name}`);
console.table({
  'epochs to the parent’s validation loss': {
    inherited: `${summary.inherited.mean.toFixed(2)} ± ${summary.inherited.ci95.toFixed(2)}`,
    'from scratch': `${summary.scratch.mean.toFixed(2)} ± ${summary.scratch.ci95.toFixed(2)}`,
    'pairs faster with inheritance': `${summary.fasterWithInheritance} of ${pairs.length}`,
  },
});
await mkdir(values.out, { recursive: true });
await writeFile(join(values.out, 'inheritance.json'), `${JSON.stringify({ options: values, backend: backend.name, summary, pairs }, null, 2)}\n`);
console.log(`saved ${join(values.out, 'inheritance.json')} (never reached counts as ${maxEpochs + 1})`);
