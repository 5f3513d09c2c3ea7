import { useCpuBackend } from '../../../src/training/backend.js';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../../src/errors.js';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/random/rng.js';
import { cnnCost, cnnSpace, type CnnArch, type ImageTask } from '../../../src/spaces/cnn.js';
import { dartsCost, dartsSpace, type DartsGenotype, type DartsNetwork } from '../../../src/spaces/darts.js';
import { mlpCost, mlpSpace, type MlpArch } from '../../../src/spaces/mlp.js';
import { nb201Cost, nb201Space, type Nb201Cell, type Nb201Skeleton } from '../../../src/spaces/nb201.js';
import type { ArchitectureCost, SearchSpace } from '../../../src/spaces/space.js';
import type { ModelSettings, TaskShape } from '../../../src/training/models/model-builder.js';
import { modelCost } from '../../../src/training/models/model-cost.js';
import { modelBuilderFor } from '../../../src/training/models/registry.js';

// These tests run on the CPU backend, as predictors, policies and model building do.
useCpuBackend();

/** Every operation of both cells, strided and not: each reduction-cell input feeds a skip and a dil_conv. */
const EVERY_DARTS_OP =
  'normal:|sep_conv_3x3~0|sep_conv_5x5~1|+|dil_conv_3x3~0|dil_conv_5x5~2|+|max_pool_3x3~1|avg_pool_3x3~3|+|skip_connect~0|skip_connect~4|' +
  ';reduce:|dil_conv_3x3~0|dil_conv_5x5~1|+|skip_connect~0|sep_conv_5x5~2|+|max_pool_3x3~1|avg_pool_3x3~0|+|skip_connect~1|sep_conv_3x3~3|';

const image = (height: number, width: number, channels: number, classes: number): { shape: TaskShape; task: ImageTask } => ({
  shape: { inputShape: [height, width, channels], inputType: 'float32', classes, perStep: false },
  task: { height, width, channels, classes },
});

interface BuilderCase {
  readonly space: SearchSpace<unknown>;
  readonly shape: TaskShape;
  readonly settings: Record<string, number>;
  /** Architectures beyond the sampled ones that exercise edge cases; the first has no weights cut off from the output. */
  readonly special: readonly string[];
  readonly expectedCost: (arch: unknown, settings: ModelSettings) => ArchitectureCost;
}

// Small inputs keep each build and forward pass to milliseconds; odd sizes check the strided layers' rounding.
const mlpShape: TaskShape = { inputShape: [6, 6], inputType: 'float32', classes: 5, perStep: false };
const cnnTask = image(16, 16, 1, 4);
const nb201Task = image(9, 9, 2, 3);
const dartsTask = image(9, 7, 2, 3);

const CASES: readonly BuilderCase[] = [
  {
    space: mlpSpace as SearchSpace<unknown>,
    shape: mlpShape,
    settings: {},
    special: ['dense(32,gelu,0.3)>dense(64,swish,0.1)>dense(128,tanh,0)>dense(512,relu,0)'],
    expectedCost: (arch) => mlpCost(arch as MlpArch, { inputs: 36, classes: 5 }),
  },
  {
    space: cnnSpace as SearchSpace<unknown>,
    shape: cnnTask.shape,
    settings: {},
    special: ['sepconv5x5(16,pool)>conv5x5(32,pool)>sepconv3x3(16,pool)>conv3x3(16,pool)'],
    expectedCost: (arch) => cnnCost(arch as CnnArch, cnnTask.task),
  },
  {
    space: nb201Space as SearchSpace<unknown>,
    shape: nb201Task.shape,
    settings: { channels: 4, cellsPerStage: 2 },
    special: [
      '|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|',
      '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|',
      '|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|',
      '|none~0|+|nor_conv_3x3~0|none~1|+|none~0|nor_conv_1x1~1|avg_pool_3x3~2|',
    ],
    expectedCost: (arch, settings) => nb201Cost(arch as Nb201Cell, nb201Task.task, settings as unknown as Nb201Skeleton),
  },
  {
    space: dartsSpace as SearchSpace<unknown>,
    shape: dartsTask.shape,
    // 4 cells: normal, reduce, reduce, normal, so a reduction follows a reduction.
    settings: { channels: 4, layers: 4 },
    special: [EVERY_DARTS_OP],
    expectedCost: (arch, settings) => dartsCost(arch as DartsGenotype, dartsTask.task, settings as unknown as DartsNetwork),
  },
];

const disposeAfter: tf.LayersModel[] = [];
afterAll(() => disposeAfter.forEach((model) => model.dispose()));

function randomInput(shape: TaskShape, batch: number, seed: number): tf.Tensor {
  return tf.randomNormal([batch, ...shape.inputShape], 0, 1, 'float32', seed);
}

async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(saved!));
}

describe.each(CASES)('$space.name model builder', ({ space, shape, settings, special, expectedCost }) => {
  const builder = modelBuilderFor(space.name);
  const resolved = builder.settings(settings);
  const rng = Rng.fromSeed(11);
  const archs = [...special, ...Array.from({ length: 2 }, () => space.format(space.sample(rng)))];

  it.each(archs)('builds %s as its cost model counts it, ending in a softmax over the classes', (text) => {
    const arch = space.parse(text);
    const model = builder.build(arch, shape, resolved, 1);
    disposeAfter.push(model);
    expect(model.outputs[0]!.shape).toEqual([null, shape.classes]);
    expect(modelCost(model)).toEqual(expectedCost(arch, resolved));
    const rows = tf.tidy(() => (model.predict(randomInput(shape, 3, 5)) as tf.Tensor).arraySync() as number[][]);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toHaveLength(shape.classes);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  it('survives save and load with identical predictions', async () => {
    const model = builder.build(space.parse(archs.at(-1)!), shape, resolved, 2);
    const loaded = await roundTrip(model);
    disposeAfter.push(model, loaded);
    const input = randomInput(shape, 2, 9);
    const [before, after] = [model, loaded].map((m) => (m.predict(input) as tf.Tensor).dataSync());
    expect(Array.from(after!)).toEqual(Array.from(before!));
    input.dispose();
  });

  it('trains: one Adam step on a small batch gives a finite loss and moves every weight', async () => {
    const model = builder.build(space.parse(special[0]!), shape, resolved, 4);
    disposeAfter.push(model);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const x = randomInput(shape, 4, 6);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), shape.classes);
    const before = model.trainableWeights.map((w) => Array.from(w.read().dataSync()));
    const loss = (await model.trainOnBatch(x, y)) as number;
    expect(Number.isFinite(loss)).toBe(true);
    const after = model.trainableWeights.map((w) => Array.from(w.read().dataSync()));
    expect(after.filter((values, i) => values.some((v, j) => v !== before[i]![j])).length).toBe(after.length);
    tf.dispose([x, y]);
  });

  it('draws the initial weights from the seed', () => {
    const arch = space.parse(archs.at(-1)!);
    const [a, b, c] = [3, 3, 4].map((seed) => builder.build(arch, shape, resolved, seed));
    disposeAfter.push(a!, b!, c!);
    const weights = (model: tf.LayersModel) => model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    expect(weights(b!)).toEqual(weights(a!));
    expect(weights(c!)).not.toEqual(weights(a!));
  });

  it('refuses token inputs and per-step targets, naming the dataset', () => {
    const arch = space.parse(archs[0]!);
    for (const task of [{ ...shape, inputType: 'int32' as const }, { ...shape, perStep: true }]) {
      expect(() => builder.build(arch, task, resolved)).toThrow(expect.objectContaining({ name: 'InvalidRequest', field: 'dataset' }));
    }
  });
});

describe('model settings', () => {
  it('fill in defaults small enough for MNIST on a CPU', () => {
    expect(modelBuilderFor('nb201').settings({})).toEqual({ channels: 8, cellsPerStage: 1 });
    expect(modelBuilderFor('darts').settings({ layers: 8 })).toEqual({ channels: 8, layers: 8 });
    expect(modelBuilderFor('mlp').settings(undefined)).toEqual({});
  });

  it.each([
    ['nb201', { channels: 0 }, 'modelSettings.channels'],
    ['nb201', { cellsPerStage: 1.5 }, 'modelSettings.cellsPerStage'],
    ['darts', { channels: 9 }, 'modelSettings.channels'],
    ['darts', { depth: 3 }, 'modelSettings.depth'],
    ['cnn', { channels: 8 }, 'modelSettings.channels'],
  ])('%s rejects %j naming %s', (space, input, field) => {
    expect(() => modelBuilderFor(space).settings(input)).toThrow(expect.objectContaining({ name: 'InvalidRequest', field }));
  });
});

describe('modelBuilderFor', () => {
  it.each(['nb101', 'choices', 'nope'])('refuses %s, naming the space', (space) => {
    expect(() => modelBuilderFor(space)).toThrow(InvalidRequest);
    expect(() => modelBuilderFor(space)).toThrow(new RegExp(`'${space}' cannot be trained`));
  });

  it('refuses a CNN whose pools would shrink the image away', () => {
    const arch = cnnSpace.parse('conv3x3(16,pool)>conv3x3(16,pool)>conv3x3(16,pool)');
    const small = image(7, 7, 1, 2).shape;
    expect(() => modelBuilderFor('cnn').build(arch, small, {})).toThrow(expect.objectContaining({ field: 'dataset' }));
  });
});

describe('networks at the papers\' sizes', () => {
  it('builds the NAS-Bench-201 CIFAR-10 network of the all-3x3-conv cell with the published 1,531,546 parameters', () => {
    const model = modelBuilderFor('nb201').build(
      nb201Space.parse(Array(6).fill('nor_conv_3x3')),
      image(32, 32, 3, 10).shape,
      { channels: 16, cellsPerStage: 5 },
    );
    disposeAfter.push(model);
    expect(modelCost(model).params).toBe(1_531_546);
    expect(modelCost(model).flops / 1e6).toBeCloseTo(220.11, 1);
  });

  it('builds the DARTS CIFAR-10 evaluation network of DARTS-V2 with the reference code\'s 3,349,342 parameters', () => {
    const v2 =
      'normal:|sep_conv_3x3~0|sep_conv_3x3~1|+|sep_conv_3x3~0|sep_conv_3x3~1|+|sep_conv_3x3~1|skip_connect~0|+|skip_connect~0|dil_conv_3x3~2|' +
      ';reduce:|max_pool_3x3~0|max_pool_3x3~1|+|skip_connect~2|max_pool_3x3~1|+|max_pool_3x3~0|skip_connect~2|+|skip_connect~2|max_pool_3x3~1|';
    const model = modelBuilderFor('darts').build(dartsSpace.parse(v2), image(32, 32, 3, 10).shape, { channels: 36, layers: 20 });
    disposeAfter.push(model);
    expect(modelCost(model).params).toBe(3_349_342);
    expect(modelCost(model).flops / 1e6).toBeCloseTo(528.4, 1);
  });
});
