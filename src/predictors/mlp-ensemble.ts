/**
 * An ensemble of equally shaped ReLU multilayer perceptrons, stored stacked: layer l of all members is one
 * [members, in, out] weight tensor. A training step for the whole ensemble is therefore one batched
 * matrix product per layer instead of one per member, which is what keeps training fast on the
 * pure-JavaScript CPU backend. Members never share parameters, and Adam updates each parameter on its
 * own, so stacking trains exactly what separate networks would. Prediction skips TensorFlow.js (`predict`).
 */
import { Rng, type RngState } from '../random/rng.js';
import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '../training/backend.js';

export interface EnsembleShape {
  readonly members: number;
  readonly inputSize: number;
  readonly hiddenLayers: readonly number[];
}

export interface FitSchedule {
  readonly epochs: number;
  readonly learningRate: number;
  readonly batchSize: number;
}

/**
 * One `fit` as plain data (numbers and typed arrays, which a message to another process or thread
 * carries): the ensemble's shape and parameters, the encoded rows, the standardised targets, the schedule
 * and the generator's state. `fitEnsemble` runs it wherever it is handed to.
 */
export interface EnsembleFitJob {
  readonly shape: EnsembleShape;
  readonly parameters: readonly Float32Array[];
  /** The encoded rows, row after row (`shape.inputSize` each): a message copies one array much faster than rows of numbers. */
  readonly inputs: Float32Array;
  readonly targets: Float32Array;
  readonly schedule: FitSchedule;
  readonly rngState: RngState;
}

/** What a fit gives back: the trained parameters, and the generator's state after the fit's shuffles. */
export interface EnsembleFitResult {
  readonly parameters: Float32Array[];
  readonly rngState: RngState;
}

/** Shapes of the parameters in order: weights [members, in, out] then biases [members, 1, out], layer by layer. */
export function parameterShapes({ members, inputSize, hiddenLayers }: EnsembleShape): number[][] {
  const sizes = [inputSize, ...hiddenLayers, 1];
  return sizes.slice(1).flatMap((out, l) => [
    [members, sizes[l]!, out],
    [members, 1, out],
  ]);
}

/** He-uniform weights (suited to ReLU), zero biases, every member drawn from the same seeded stream. */
function initialParameters(shape: EnsembleShape, rng: Rng): Float32Array[] {
  return parameterShapes(shape).map(([, fanIn, out], k) => {
    const values = new Float32Array(shape.members * fanIn! * out!);
    if (k % 2 === 1) return values;
    const limit = Math.sqrt(6 / fanIn!);
    for (let i = 0; i < values.length; i++) values[i] = (2 * rng.float() - 1) * limit;
    return values;
  });
}

export class MlpEnsemble {
  private readonly parameters: tf.Variable[];
  /** A copy of the parameters for `predict`, taken on first use after construction or training. */
  private inferenceParameters: Float32Array[] | undefined;

  private constructor(
    readonly shape: EnsembleShape,
    values: readonly Float32Array[],
  ) {
    useCpuBackend();
    const shapes = parameterShapes(shape);
    this.parameters = values.map((v, k) => tf.tidy(() => tf.variable(tf.tensor(v, shapes[k]!))));
  }

  static initialise(shape: EnsembleShape, rng: Rng): MlpEnsemble {
    return new MlpEnsemble(shape, initialParameters(shape, rng));
  }

  /** Restores an ensemble from `parameterValues()`; the caller checks the lengths against `parameterShapes`. */
  static fromParameters(shape: EnsembleShape, values: readonly Float32Array[]): MlpEnsemble {
    return new MlpEnsemble(shape, values);
  }

  parameterValues(): Float32Array[] {
    return this.parameters.map((p) => p.dataSync() as Float32Array);
  }

  /** Replaces the parameters with `values` (shaped as `parameterValues()` gives them), e.g. a fit's result. */
  assign(values: readonly Float32Array[]): void {
    const shapes = parameterShapes(this.shape);
    if (values.length !== shapes.length) throw new Error(`expected ${shapes.length} parameter tensors, got ${values.length}`);
    values.forEach((v, k) => tf.tidy(() => this.parameters[k]!.assign(tf.tensor(v, shapes[k]!))));
    this.inferenceParameters = undefined;
  }

  /**
   * The outputs of every member for encoded rows, member-major (`[m * rows.length + r]`), as `forward`
   * computes them up to float rounding, but in plain JavaScript over a copy of the weights. The CPU
   * backend's batched matMul walks generic index arithmetic: for 100 NB201 rows this loop took 5 ms where
   * `forward` took 33 ms (and the wasm backend 12 ms), and it skips the zeros that make up most of a path
   * encoding. Training stays on `forward`, whose gradients TensorFlow.js derives.
   */
  predict(rows: readonly (readonly number[])[]): Float32Array {
    this.inferenceParameters ??= this.parameterValues().map((values) => values.slice());
    const parameters = this.inferenceParameters;
    const { members, inputSize, hiddenLayers } = this.shape;
    const sizes = [inputSize, ...hiddenLayers, 1];
    const widest = Math.max(...sizes);
    const outputs = new Float32Array(members * rows.length);
    let inputs = new Float64Array(widest);
    let activations = new Float64Array(widest);
    for (let m = 0; m < members; m++) {
      for (let r = 0; r < rows.length; r++) {
        inputs.set(rows[r]!);
        for (let l = 0; l + 1 < sizes.length; l++) {
          const [fanIn, fanOut] = [sizes[l]!, sizes[l + 1]!];
          const weights = parameters[2 * l]!;
          const weightsOffset = m * fanIn * fanOut;
          activations.set(parameters[2 * l + 1]!.subarray(m * fanOut, (m + 1) * fanOut));
          for (let i = 0; i < fanIn; i++) {
            const input = inputs[i]!;
            if (input === 0) continue;
            const rowOffset = weightsOffset + i * fanOut;
            for (let o = 0; o < fanOut; o++) activations[o]! += input * weights[rowOffset + o]!;
          }
          if (l + 2 < sizes.length) for (let o = 0; o < fanOut; o++) if (activations[o]! < 0) activations[o] = 0;
          [inputs, activations] = [activations, inputs];
        }
        outputs[m * rows.length + r] = inputs[0]!;
      }
    }
    return outputs;
  }

  /** Outputs [members, rows] for inputs [rows, inputSize] (shared by all members) or [members, rows, inputSize]. */
  forward(inputs: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const rows = inputs.shape[inputs.rank - 2]!;
      // Biases enter as a rank-1 product with a column of ones: the CPU backend's broadcasting add (and the
      // reduction in its gradient) walks index arrays per element; this halved the forward pass.
      const ones = tf.ones([this.shape.members, rows, 1]);
      let activations = inputs;
      const layers = this.parameters.length / 2;
      for (let l = 0; l < layers; l++) {
        const linear = tf.add(tf.matMul(activations, this.parameters[2 * l]!), tf.matMul(ones, this.parameters[2 * l + 1]!));
        activations = l < layers - 1 ? tf.relu(linear) : linear;
      }
      return tf.squeeze(activations, [2]) as tf.Tensor2D;
    });
  }

  /**
   * Minimises each member's mean absolute error on (inputs, targets) with Adam, starting from the current
   * parameters. Absolute rather than squared error, like BANANAS's loss (an absolute percentage error):
   * NB201's broken architectures (~10% accuracy) would otherwise dominate the loss; at 200 training
   * architectures the held-out Spearman was 0.87 with it, 0.83 with squared error and 0.84 with Huber.
   * Every member sees the rows in its own random order each epoch: with the different initialisations,
   * the diversity of a deep ensemble (Lakshminarayanan et al., NeurIPS 2017).
   */
  fit(inputs: readonly (readonly number[])[] | Float32Array, targets: readonly number[] | Float32Array, schedule: FitSchedule, rng: Rng, abandon?: () => boolean): void {
    useCpuBackend();
    const { members } = this.shape;
    const rows = targets.length;
    this.inferenceParameters = undefined;
    const optimizer = tf.train.adam(schedule.learningRate);
    // Rows of numbers become float32 here; a Float32Array of the same rows gives the same tensor.
    const x = tf.tensor2d(inputs as number[][] | Float32Array, [rows, this.shape.inputSize]);
    const y = tf.tensor1d(targets as number[] | Float32Array);
    const indices = Array.from({ length: rows }, (_, i) => i);
    for (let epoch = 0; epoch < schedule.epochs; epoch++) {
      const orders = Array.from({ length: members }, () => rng.shuffle(indices));
      for (let start = 0; start < rows; start += schedule.batchSize) {
        if (abandon?.()) {
          tf.dispose([x, y]);
          optimizer.dispose();
          throw new Error('the fit was abandoned');
        }
        const batch = orders.map((order) => order.slice(start, start + schedule.batchSize));
        tf.tidy(() => {
          const rowsOfBatch = tf.tensor2d(batch, [members, batch[0]!.length], 'int32');
          const xBatch = tf.gather(x, rowsOfBatch);
          const yBatch = tf.gather(y, rowsOfBatch);
          optimizer.minimize(() => {
            const error = tf.abs(tf.sub(this.forward(xBatch), yBatch));
            return tf.sum(tf.mean(error, 1)) as tf.Scalar;
          }, false, this.parameters);
        });
      }
    }
    tf.dispose([x, y]);
    optimizer.dispose();
  }

  dispose(): void {
    tf.dispose(this.parameters);
  }
}

/**
 * Runs one fit on an ensemble of its own and returns its result: exactly what `MlpEnsemble.fit` does to
 * an ensemble with these parameters and a generator in this state. The local service runs it in a process
 * of its own, so that training never holds the event loop that answers the API (issue #18). `abandon` is
 * asked before every step; when it says so the fit throws (the process's service is gone).
 */
export function fitEnsemble(job: EnsembleFitJob, abandon?: () => boolean): EnsembleFitResult {
  const ensemble = MlpEnsemble.fromParameters(job.shape, job.parameters);
  try {
    const rng = Rng.fromState(job.rngState);
    ensemble.fit(job.inputs, job.targets, job.schedule, rng, abandon);
    return { parameters: ensemble.parameterValues().map((values) => values.slice()), rngState: [...rng.state()] };
  } finally {
    ensemble.dispose();
  }
}
