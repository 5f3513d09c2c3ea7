import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../random/rng.js';

type Activation = NonNullable<Parameters<typeof tf.layers.dense>[0]['activation']>;

/**
 * The layers with weights, each kernel drawn from its own seed taken from one seeded `Rng`, so the same
 * builder arguments give the same initial weights (unseeded TensorFlow.js initializers use `Math.random`).
 * Kernels are Glorot-uniform and biases zero, the Keras defaults. Dropout stays unseeded on purpose:
 * TensorFlow.js re-seeds a seeded dropout on every call, which would drop the same units at every step.
 */
export class SeededLayers {
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = Rng.fromSeed(seed);
  }

  private kernelInitializer(): ReturnType<typeof tf.initializers.glorotUniform> {
    return tf.initializers.glorotUniform({ seed: this.rng.int(0, 2 ** 31 - 1) });
  }

  dense(units: number, activation: Activation): tf.layers.Layer {
    return tf.layers.dense({ units, activation, kernelInitializer: this.kernelInitializer() });
  }

  /** A bias-free 'same'-padded convolution; a batch norm follows it, whose beta is the bias. */
  conv(filters: number, kernelSize: number, strides = 1): tf.layers.Layer {
    return tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: this.kernelInitializer() });
  }

  /** A bias-free 'same'-padded depthwise kxk (one filter per channel) then pointwise 1x1 convolution. */
  separableConv(filters: number, kernelSize: number, strides = 1, dilationRate = 1): tf.layers.Layer {
    return tf.layers.separableConv2d({
      filters,
      kernelSize,
      strides,
      dilationRate,
      padding: 'same',
      depthMultiplier: 1,
      useBias: false,
      depthwiseInitializer: this.kernelInitializer(),
      pointwiseInitializer: this.kernelInitializer(),
    });
  }
}

/** Layers applied one after another to a symbolic tensor (functional API). */
export function chain(x: tf.SymbolicTensor, ...layers: tf.layers.Layer[]): tf.SymbolicTensor {
  return layers.reduce((tensor, layer) => layer.apply(tensor) as tf.SymbolicTensor, x);
}

/**
 * Batch norm with PyTorch's defaults (momentum 0.1 there, 0.9 here; epsilon 1e-5), as the NAS-Bench-201
 * and DARTS reference networks use: the Keras default momentum 0.99 lags badly over short trainings.
 */
export function batchNorm(): tf.layers.Layer {
  return tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
}

export function relu(): tf.layers.Layer {
  return tf.layers.reLU();
}

/** ReLU, convolution, batch norm: the op block of both NAS-Bench-201 and DARTS. */
export function reluConvBn(layers: SeededLayers, x: tf.SymbolicTensor, filters: number, kernelSize: number, strides = 1): tf.SymbolicTensor {
  return chain(x, relu(), layers.conv(filters, kernelSize, strides), batchNorm());
}

/**
 * The sum of a node's inputs (a single input passes through). The same tensor twice (two skip edges
 * reaching one node) is scaled instead: TensorFlow.js's add layer fails when one tensor fills two inputs.
 */
export function sum(inputs: readonly tf.SymbolicTensor[]): tf.SymbolicTensor {
  const counts = new Map<tf.SymbolicTensor, number>();
  for (const input of inputs) counts.set(input, (counts.get(input) ?? 0) + 1);
  const terms = [...counts].map(([input, count]) =>
    count === 1 ? input : (tf.layers.rescaling({ scale: count }).apply(input) as tf.SymbolicTensor),
  );
  return terms.length === 1 ? terms[0]! : (tf.layers.add().apply(terms) as tf.SymbolicTensor);
}

/** Zeros shaped like `x`: the value of a cell node all of whose inputs are `none` (Dong & Yang 2020). */
export function zerosLike(x: tf.SymbolicTensor): tf.SymbolicTensor {
  return tf.layers.rescaling({ scale: 0 }).apply(x) as tf.SymbolicTensor;
}

/** Global average pooling of a feature map, then the dense softmax classifier. */
export function poolAndClassify(layers: SeededLayers, featureMap: tf.SymbolicTensor, classes: number): tf.SymbolicTensor {
  return chain(featureMap, tf.layers.globalAveragePooling2d({}), layers.dense(classes, 'softmax'));
}
