import { createLayerChainSpace, type LayerChainArch } from './layer-chain.js';
import type { ArchitectureCost, SearchSpace } from './space.js';

export const MLP_UNITS = [32, 64, 128, 256, 512] as const;
/** Activation names as TensorFlow.js spells them, so a builder passes them through. */
export const MLP_ACTIVATIONS = ['relu', 'tanh', 'gelu', 'swish'] as const;
export const MLP_DROPOUTS = [0, 0.1, 0.3] as const;
export const MLP_MAX_LAYERS = 4;

/** One hidden layer: `dense({units, activation})`, then `dropout({rate: dropout})` unless the rate is 0. */
export interface MlpLayer {
  readonly units: (typeof MLP_UNITS)[number];
  readonly activation: (typeof MLP_ACTIVATIONS)[number];
  readonly dropout: (typeof MLP_DROPOUTS)[number];
}

export type MlpArch = LayerChainArch<MlpLayer>;

/** Input features and classes of a dense classification task. */
export interface DenseTask {
  readonly inputs: number;
  readonly classes: number;
}

/** The task `mlpSpace.cost` counts for: flattened 28x28 images (MNIST-like), 10 classes. */
export const MLP_NOMINAL_TASK: DenseTask = { inputs: 784, classes: 10 };

/**
 * Trainable parameters (weights + biases) and multiply-accumulates of the hidden layers and the
 * `dense({units: classes, activation: 'softmax'})` output layer; activations and dropout add neither.
 */
export function mlpCost(arch: MlpArch, task: DenseTask = MLP_NOMINAL_TASK): ArchitectureCost {
  const widths = [task.inputs, ...arch.layers.map((layer) => layer.units), task.classes];
  return widths.slice(1).reduce(
    (sum, units, i) => {
      const weights = widths[i]! * units;
      return { params: sum.params + weights + units, flops: sum.flops + weights };
    },
    { params: 0, flops: 0 },
  );
}

/**
 * Multi-layer perceptrons: 1 to 4 hidden dense layers, each with its own width, activation and dropout
 * (60 variants per layer, 13,179,660 networks). Compact form `dense(128,relu,0.1)>dense(64,gelu,0)`;
 * JSON form `{"layers": [{"units": 128, "activation": "relu", "dropout": 0.1}, ...]}`. Insert actions add
 * `dense(128,relu,0)`. `cost` is for `MLP_NOMINAL_TASK` (784 inputs, 10 classes); the real input and
 * output sizes come from the dataset, through `mlpCost`.
 */
export const mlpSpace: SearchSpace<MlpArch> = createLayerChainSpace<MlpLayer>({
  name: 'mlp',
  description: 'MLP: 1-4 dense layers, 32-512 units, relu/tanh/gelu/swish, dropout 0/0.1/0.3 (13.2 M networks)',
  fields: { units: MLP_UNITS, activation: MLP_ACTIVATIONS, dropout: MLP_DROPOUTS },
  layerName: 'dense',
  defaultLayer: { units: 128, activation: 'relu', dropout: 0 },
  maxLayers: MLP_MAX_LAYERS,
  head: [{ id: 'output', label: `dense(${MLP_NOMINAL_TASK.classes},softmax)` }],
  cost: (arch) => mlpCost(arch),
});
