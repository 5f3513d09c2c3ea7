/**
 * An ensemble of equally shaped ReLU multilayer perceptrons in plain JavaScript over typed arrays: the
 * forward pass, backpropagation and Adam are written out by hand (no TensorFlow.js). The parameters are
 * stored stacked, layer l of all members being one [members, in, out] float32 weight array, the layout of
 * the artifacts; a fit trains each member on its own, in float64, and rounds back to float32 at the end.
 * Members never share parameters and Adam updates each parameter on its own, so an ensemble trains what
 * separate networks would. For these small networks and batches a step costs microseconds where
 * TensorFlow.js's CPU backend spent ~50 ms, most of it in per-kernel overhead (`batchMatMul` on tiny matrices).
 */
import { Rng, type RngState } from '../random/rng.js';

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
  const sizes = layerSizes({ inputSize, hiddenLayers });
  return sizes.slice(1).flatMap((out, l) => [
    [members, sizes[l]!, out],
    [members, 1, out],
  ]);
}

/** The width of every layer, the input first and the single output last. */
const layerSizes = ({ inputSize, hiddenLayers }: Pick<EnsembleShape, 'inputSize' | 'hiddenLayers'>) => [inputSize, ...hiddenLayers, 1];

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

/** Adam's constants: those of TensorFlow.js's `tf.train.adam`, which ran the fit before (ε is its float32 epsilon). */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/**
 * One member's network: per layer its weights [in, out] (row after row) and then its biases [out], the
 * stacked layout's slice for that member, in float64.
 */
export type MemberParameters = Float64Array[];

/**
 * The loss of one member on a batch and its gradient, by backpropagation, with buffers sized once for
 * batches of up to `maxRows` rows. The loss is the mean absolute error of the batch, the fit's loss; its
 * derivative is taken as TensorFlow.js took it: the sign of the error (-1 at exactly 0), and ReLU's 1 for
 * positive inputs, 0 otherwise.
 */
export class MemberBackprop {
  /** Per layer l, the batch's outputs of layer l after ReLU (l = 0: the inputs), row after row. */
  private readonly activations: Float64Array[];
  /** Per layer l ≥ 1, the loss's gradient with respect to layer l's outputs before ReLU. */
  private readonly deltas: Float64Array[];
  /** The units of one row of a layer that pass a gradient down. */
  private readonly active: Int32Array;

  constructor(
    private readonly sizes: readonly number[],
    maxRows: number,
  ) {
    this.activations = sizes.map((size) => new Float64Array(maxRows * size));
    this.deltas = sizes.map((size, l) => new Float64Array(l === 0 ? 0 : maxRows * size));
    this.active = new Int32Array(Math.max(...sizes));
  }

  /**
   * The member's mean absolute error over `rows` (indices into `inputs`, row after row of `sizes[0]`, and
   * `targets`); its gradient with respect to every parameter is written into `gradients`, shaped as `parameters`.
   */
  lossAndGradients(parameters: MemberParameters, inputs: Float32Array, targets: Float32Array, rows: readonly number[], gradients: MemberParameters): number {
    const { sizes, activations, deltas, active } = this;
    const layers = sizes.length - 1;
    const count = rows.length;
    const inputSize = sizes[0]!;
    const first = activations[0]!;
    for (let r = 0; r < count; r++) first.set(inputs.subarray(rows[r]! * inputSize, (rows[r]! + 1) * inputSize), r * inputSize);

    // Forward, skipping zero inputs: most of a path encoding, and every ReLU that is off.
    for (let l = 0; l < layers; l++) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const weights = parameters[2 * l]!;
      const biases = parameters[2 * l + 1]!;
      const below = activations[l]!;
      const above = activations[l + 1]!;
      const relu = l + 1 < layers;
      for (let r = 0; r < count; r++) {
        const out = r * fanOut;
        const from = r * fanIn;
        for (let o = 0; o < fanOut; o++) above[out + o] = biases[o]!;
        for (let i = 0; i < fanIn; i++) {
          const x = below[from + i]!;
          if (x === 0) continue;
          const row = i * fanOut;
          for (let o = 0; o < fanOut; o++) above[out + o]! += x * weights[row + o]!;
        }
        if (relu) for (let o = 0; o < fanOut; o++) if (above[out + o]! < 0) above[out + o] = 0;
      }
    }

    // The loss, and its gradient with respect to the output.
    const outputs = activations[layers]!;
    const top = deltas[layers]!;
    let loss = 0;
    for (let r = 0; r < count; r++) {
      const error = outputs[r]! - targets[rows[r]!]!;
      loss += Math.abs(error);
      top[r] = (error > 0 ? 1 : -1) / count;
    }

    // Backward: each layer's weight and bias gradients, and the gradient below it through ReLU.
    for (let l = layers - 1; l >= 0; l--) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const weights = parameters[2 * l]!;
      const weightGradient = gradients[2 * l]!.fill(0);
      const biasGradient = gradients[2 * l + 1]!.fill(0);
      const below = activations[l]!;
      const delta = deltas[l + 1]!;
      const deltaBelow = l > 0 ? deltas[l]! : undefined;
      for (let r = 0; r < count; r++) {
        const out = r * fanOut;
        const from = r * fanIn;
        // The units above that pass a gradient (ReLU on): the others add exactly nothing below.
        let passing = 0;
        for (let o = 0; o < fanOut; o++) {
          const d = delta[out + o]!;
          if (d === 0) continue;
          biasGradient[o]! += d;
          active[passing++] = o;
        }
        for (let i = 0; i < fanIn; i++) {
          const x = below[from + i]!;
          // A zero below is an input that adds nothing to the weight gradient or, past ReLU, a unit that passes no gradient down.
          if (x === 0 || passing === 0) {
            if (deltaBelow) deltaBelow[from + i] = 0;
            continue;
          }
          const row = i * fanOut;
          if (deltaBelow) {
            let sum = 0;
            for (let k = 0; k < passing; k++) {
              const o = active[k]!;
              const d = delta[out + o]!;
              sum += d * weights[row + o]!;
              weightGradient[row + o]! += x * d;
            }
            deltaBelow[from + i] = sum;
          } else {
            for (let k = 0; k < passing; k++) {
              const o = active[k]!;
              weightGradient[row + o]! += x * delta[out + o]!;
            }
          }
        }
      }
    }
    return loss / count;
  }
}

/** One member while it trains: its parameters, their gradient on the current batch, and Adam's moments. */
interface MemberFit {
  readonly parameters: MemberParameters;
  readonly gradients: MemberParameters;
  readonly firstMoments: MemberParameters;
  readonly secondMoments: MemberParameters;
}

/**
 * One Adam step on every parameter of a member, from its gradient; `beta1Power` and `beta2Power` are β1^t
 * and β2^t at step t (from 1), kept as running products: plain multiplications round the same everywhere.
 */
function adamStep(member: MemberFit, learningRate: number, beta1Power: number, beta2Power: number): void {
  // lr · m̂ / (√v̂ + ε) with m̂ = m / (1 - β1^t) and v̂ = v / (1 - β2^t), one division and one root per parameter.
  const stepSize = learningRate / (1 - beta1Power);
  const rootScale = 1 / Math.sqrt(1 - beta2Power);
  member.parameters.forEach((values, k) => {
    const gradient = member.gradients[k]!;
    const first = member.firstMoments[k]!;
    const second = member.secondMoments[k]!;
    for (let i = 0; i < values.length; i++) {
      const g = gradient[i]!;
      const m = BETA1 * first[i]! + (1 - BETA1) * g;
      const v = BETA2 * second[i]! + (1 - BETA2) * g * g;
      first[i] = m;
      second[i] = v;
      values[i]! -= (stepSize * m) / (Math.sqrt(v) * rootScale + EPSILON);
    }
  });
}

export class MlpEnsemble {
  private constructor(
    readonly shape: EnsembleShape,
    /** Owned: every array that comes in or goes out is a copy. */
    private parameters: Float32Array[],
  ) {}

  static initialise(shape: EnsembleShape, rng: Rng): MlpEnsemble {
    return new MlpEnsemble(shape, initialParameters(shape, rng));
  }

  /** Restores an ensemble from `parameterValues()`; the caller checks the lengths against `parameterShapes`. */
  static fromParameters(shape: EnsembleShape, values: readonly Float32Array[]): MlpEnsemble {
    return new MlpEnsemble(shape, values.map((v) => v.slice()));
  }

  /** A copy of the parameters, shaped as `parameterShapes` says. */
  parameterValues(): Float32Array[] {
    return this.parameters.map((values) => values.slice());
  }

  /** Replaces the parameters with `values` (shaped as `parameterValues()` gives them), e.g. a fit's result. */
  assign(values: readonly Float32Array[]): void {
    const shapes = parameterShapes(this.shape);
    if (values.length !== shapes.length) throw new Error(`expected ${shapes.length} parameter tensors, got ${values.length}`);
    this.parameters = values.map((v) => v.slice());
  }

  /**
   * The outputs of every member for encoded rows, member-major (`[m * rows.length + r]`), in float64 over
   * the float32 weights, skipping the zeros that make up most of a path encoding and every ReLU that is off.
   */
  predict(rows: readonly (readonly number[])[]): Float32Array {
    const parameters = this.parameters;
    const sizes = layerSizes(this.shape);
    const { members } = this.shape;
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

  /**
   * Minimises each member's mean absolute error on (inputs, targets) with Adam (a fresh optimiser per fit,
   * TensorFlow.js's defaults), starting from the current parameters; rows of numbers are taken as float32,
   * as a fit job carries them. Absolute rather than squared error, like BANANAS's loss (an absolute
   * percentage error): NB201's broken architectures (~10% accuracy) would otherwise dominate the loss; at
   * 200 training architectures the held-out Spearman was 0.87 with it, 0.83 with squared error and 0.84
   * with Huber. Every member sees the rows in its own random order each epoch (the generator draws the
   * members' orders epoch by epoch): with the different initialisations, the diversity of a deep ensemble
   * (Lakshminarayanan et al., NeurIPS 2017). `abandon` is asked before every step; when it says so the fit
   * throws and the parameters stay as they were.
   */
  fit(inputs: readonly (readonly number[])[] | Float32Array, targets: readonly number[] | Float32Array, schedule: FitSchedule, rng: Rng, abandon?: () => boolean): void {
    const { members, inputSize } = this.shape;
    const rows = targets.length;
    const x = inputs instanceof Float32Array ? inputs : new Float32Array(rows * inputSize);
    if (!(inputs instanceof Float32Array)) inputs.forEach((row, r) => x.set(row, r * inputSize));
    const y = targets instanceof Float32Array ? targets : Float32Array.from(targets);
    const sizes = layerSizes(this.shape);
    const shapes = parameterShapes(this.shape);
    const memberSlice = (k: number, m: number) => {
      const size = shapes[k]![1]! * shapes[k]![2]!;
      return this.parameters[k]!.subarray(m * size, (m + 1) * size);
    };
    const zeros = () => shapes.map(([, fanIn, out]) => new Float64Array(fanIn! * out!));
    const fits: MemberFit[] = Array.from({ length: members }, (_, m) => ({
      parameters: shapes.map((_, k) => Float64Array.from(memberSlice(k, m))),
      gradients: zeros(),
      firstMoments: zeros(),
      secondMoments: zeros(),
    }));
    const backprop = new MemberBackprop(sizes, Math.min(schedule.batchSize, rows));
    const indices = Array.from({ length: rows }, (_, i) => i);
    let [beta1Power, beta2Power] = [1, 1];
    for (let epoch = 0; epoch < schedule.epochs; epoch++) {
      const orders = Array.from({ length: members }, () => rng.shuffle(indices));
      for (let start = 0; start < rows; start += schedule.batchSize) {
        if (abandon?.()) throw new Error('the fit was abandoned');
        beta1Power *= BETA1;
        beta2Power *= BETA2;
        fits.forEach((member, m) => {
          backprop.lossAndGradients(member.parameters, x, y, orders[m]!.slice(start, start + schedule.batchSize), member.gradients);
          adamStep(member, schedule.learningRate, beta1Power, beta2Power);
        });
      }
    }
    // Float64 back to float32, rounded to nearest.
    fits.forEach((member, m) => member.parameters.forEach((values, k) => memberSlice(k, m).set(values)));
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
  const rng = Rng.fromState(job.rngState);
  ensemble.fit(job.inputs, job.targets, job.schedule, rng, abandon);
  return { parameters: ensemble.parameterValues(), rngState: [...rng.state()] };
}
