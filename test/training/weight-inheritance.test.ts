import { useCpuBackend } from '../../src/training/backend.js';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/random/rng.js';
import { mlpSpace } from '../../src/spaces/mlp.js';
import { rnnRandomMorphism, rnnSeedCells, rnnSpace } from '../../src/spaces/rnn.js';
import type { TaskShape } from '../../src/training/models/model-builder.js';
import { modelBuilderFor } from '../../src/training/models/registry.js';
import { rnnBuilder } from '../../src/training/models/rnn-builder.js';
import { inheritWeights } from '../../src/training/weight-inheritance.js';

// These tests run on the CPU backend, as predictors, policies and model building do.
useCpuBackend();

const built: tf.LayersModel[] = [];
afterAll(() => built.forEach((model) => model.dispose()));
const keep = (model: tf.LayersModel) => (built.push(model), model);

describe('weight inheritance', () => {
  it('gives an rnn child made by an exact morphism its parent’s function', () => {
    const shape: TaskShape = { inputShape: [5], inputType: 'int32', classes: 11, perStep: true };
    const settings = rnnBuilder.settings({ hiddenSize: 8, embeddingSize: 4 });
    const parentArch = rnnSeedCells().gru;
    const parent = keep(rnnBuilder.build(parentArch, shape, settings, 1));
    parent.setWeights(parent.getWeights().map((w, k) => tf.randomNormal(w.shape, 0, 0.4, 'float32', k)));
    const rng = Rng.fromSeed(3);
    let morphism = rnnRandomMorphism(parentArch, rng)!;
    while (!morphism.change.functionPreserving) morphism = rnnRandomMorphism(parentArch, rng)!;
    const child = keep(rnnBuilder.build(morphism.child, shape, settings, 2));
    const result = inheritWeights(rnnSpace, { arch: parentArch, model: parent }, { arch: morphism.child, model: child });
    expect(result).toMatchObject({ functionPreserving: true });
    const tokens = tf.randomUniformInt([2, 5], 0, 11, 5);
    const [a, b] = [parent.predict(tokens) as tf.Tensor, child.predict(tokens) as tf.Tensor];
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
  });

  it('carries over the layers before the first one that changed, for any other space', () => {
    const builder = modelBuilderFor('mlp');
    const shape: TaskShape = { inputShape: [6], inputType: 'float32', classes: 3, perStep: false };
    const parentArch = mlpSpace.parse('dense(32,relu,0)>dense(64,relu,0)');
    const childArch = mlpSpace.parse('dense(32,relu,0)>dense(128,relu,0)');
    const parent = keep(builder.build(parentArch, shape, builder.settings({}), 1));
    const child = keep(builder.build(childArch, shape, builder.settings({}), 2));
    const before = child.getWeights().map((w) => w.arraySync());
    const result = inheritWeights(mlpSpace, { arch: parentArch, model: parent }, { arch: childArch, model: child });
    expect(result).toEqual({ inherited: 2, total: 6, functionPreserving: false });
    const [parentWeights, childWeights] = [parent.getWeights(), child.getWeights()];
    expect(childWeights[0]!.arraySync()).toEqual(parentWeights[0]!.arraySync());
    expect(childWeights[1]!.arraySync()).toEqual(parentWeights[1]!.arraySync());
    expect(childWeights[2]!.arraySync()).toEqual(before[2]);
  });
});
