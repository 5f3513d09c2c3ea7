/**
 * Table `choices-mnist-mlp`: real trainings of every architecture of a small `choices` space of MLPs on
 * MNIST, each through the product's `train` evaluator as a trial job runs it (backend choice, checkpoints,
 * test metrics, latency). The space is conditional, unlike NB201's fixed 6 x 5: a depth of 1-3 dense
 * layers, the width of each active layer (32/64/128), one activation (relu/tanh) and the learning rate
 * (3e-4..1e-2): 39 x 2 x 4 = 312 architectures. Every one trains the same short recipe, 1 epoch of Adam
 * with batch 64 on the 8,000 training digits, seed 0; selection on the 1,000 validation digits, report
 * on the 1,000 test digits. About 0.5-2 s each on one core.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrainEvaluator } from '../../src/evaluators/train-evaluator.js';
import { TrainEvaluatorSchema } from '../../src/search/training-spec.js';
import { countChoicesArchitectures, createChoicesSpace, type ChoicesArch, type ChoicesDeclarationInput } from '../../src/spaces/choices.js';
import { mlpSpace, type MlpArch, type MlpLayer } from '../../src/spaces/mlp.js';
import { standaloneRun } from '../train/standalone-run.js';
import { enumerateSpace, subsetOf } from './enumerate.js';
import type { BuiltTable, TableRow } from './table-files.js';

const WIDTHS = [32, 64, 128];
export const MNIST_MLP_DECLARATION = {
  decisions: {
    depth: { options: [1, 2, 3] },
    width1: { options: WIDTHS },
    width2: { options: WIDTHS, when: { decision: 'depth', in: [2, 3] } },
    width3: { options: WIDTHS, when: { decision: 'depth', in: [3] } },
    activation: { options: ['relu', 'tanh'] },
    learning_rate: { options: [0.0003, 0.001, 0.003, 0.01] },
  },
} satisfies ChoicesDeclarationInput;

const EPOCHS = 1;
const BATCH_SIZE = 64;
const SEED = 0;

/** The MLP (in the `mlp` space's form) an architecture stands for; the learning rate is the recipe's. */
export function mnistMlpNetwork(arch: ChoicesArch): MlpArch {
  const layers = [arch.width1, arch.width2, arch.width3]
    .filter((width) => width !== undefined)
    .map((width): MlpLayer => ({ units: Number(width) as MlpLayer['units'], activation: arch.activation as MlpLayer['activation'], dropout: 0 }));
  return { layers };
}

const percent = (fraction: number | undefined) => (fraction ?? Number.NaN) * 100;

async function trainOne(arch: ChoicesArch, format: (a: ChoicesArch) => string, root: string, index: number): Promise<TableRow> {
  const evaluator = TrainEvaluatorSchema.parse({
    kind: 'train',
    dataset: 'mnist',
    datasetOptions: { layout: 'flat' },
    schedule: { epochs: EPOCHS, batchSize: BATCH_SIZE, learningRate: Number(arch.learning_rate), seed: SEED },
  });
  const evaluation = await createTrainEvaluator().evaluate({
    space: 'mlp',
    arch: mlpSpace.format(mnistMlpNetwork(arch)),
    evaluator,
    metrics: ['validation_accuracy'],
    run: standaloneRun(root, `trial-${index}/`, SEED),
  });
  const { metrics } = evaluation;
  return {
    arch: format(arch),
    values: {
      val_accuracy: percent(metrics.validation_accuracy),
      test_accuracy: percent(metrics.test_accuracy),
      latency_ms: metrics.latency_ms ?? Number.NaN,
      train_seconds: evaluation.costSeconds,
    },
  };
}

/**
 * The table: `val_accuracy` and `test_accuracy` (%), `latency_ms` and `train_seconds` (the measured training
 * time, the cost). `limit`: a seeded subset of that many architectures (tests, or a machine short of time).
 */
export async function buildMnistMlpTable(limit?: number, progress: (done: number, of: number) => void = () => {}): Promise<BuiltTable> {
  const space = createChoicesSpace(MNIST_MLP_DECLARATION);
  const archs = subsetOf(enumerateSpace(space, countChoicesArchitectures(MNIST_MLP_DECLARATION)), limit, 0);
  // Checkpoints and exported models of the trainings are scratch: only their metrics are kept.
  const root = await mkdtemp(join(tmpdir(), 'nas-mnist-table-'));
  const rows: TableRow[] = [];
  try {
    for (const arch of archs) {
      rows.push(await trainOne(arch, space.format, root, rows.length));
      progress(rows.length, archs.length);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return {
    manifest: {
      description:
        `MNIST MLPs trained for real (bench/tables/mnist-mlp.ts): ${rows.length} architectures, ${EPOCHS} epoch of Adam (batch ${BATCH_SIZE}, seed ${SEED}) ` +
        'on 8,000 digits through the train evaluator; validation and test accuracy (%) on 1,000 digits each, latency, measured training seconds',
      space: 'choices',
      spaceConfig: MNIST_MLP_DECLARATION,
      metrics: ['val_accuracy', 'test_accuracy', 'latency_ms'],
      costSecondsColumn: 'train_seconds',
    },
    rows,
  };
}
