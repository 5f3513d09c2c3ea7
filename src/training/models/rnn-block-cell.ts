import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../random/rng.js';
import {
  HIDDEN_OUTPUT,
  MEMORY_OUTPUT,
  formatCell,
  hasMemory,
  isLinear,
  matrixKey,
  biasKey,
  parseCellString,
  rnnCellParameters,
  topologicalBlocks,
  type RnnActivation,
  type RnnBlock,
  type RnnCell,
  type RnnCombination,
} from '../../spaces/rnn-cell.js';
import type { RnnTask } from '../../spaces/rnn.js';

/**
 * A block cell (`src/spaces/rnn-cell.ts`) as a TensorFlow.js layer that runs a whole sequence: inputs
 * `[batch, steps, embeddingSize]`, outputs the hidden state `h_t` of every step `[batch, steps, hiddenSize]`
 * (or of the last one), states starting at zero. The steps are unrolled with plain tf ops, so gradients
 * flow through time without the `tf.layers.rnn` machinery, whose cell base class TensorFlow.js does not
 * export. Each trainable tensor is one `rnnCellParameters` entry, named by its key (`zi/w_x_t`, `zi/bias`),
 * which is what weight inheritance addresses.
 *
 * The layer is registered for serialization, so `model.save()` / `tf.loadLayersModel` round-trip it once
 * this module is imported.
 */
type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export interface RnnBlockCellArgs extends LayerArgs {
  /** The cell, or its string form hex-encoded (as `getConfig` saves it). */
  readonly cell: RnnCell | string;
  readonly units: number;
  readonly returnSequences: boolean;
  /** Seeds the initial matrices (Glorot-uniform; biases start at zero). */
  readonly seed?: number;
}

/**
 * TensorFlow.js snake_cases every string of a layer config on save and camelCases it on load, which would
 * turn `linear_bias` into `linearBias`; hex digits survive both.
 */
const toHex = (text: string) => Buffer.from(text, 'utf8').toString('hex');
const fromHex = (hex: string) => Buffer.from(hex, 'hex').toString('utf8');

const ACTIVATE: Record<RnnActivation, (x: tf.Tensor) => tf.Tensor> = {
  identity: (x) => x,
  linear: (x) => x,
  linear_bias: (x) => x,
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  relu: (x) => tf.relu(x),
};
const COMBINE: Record<RnnCombination, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: (a, b) => tf.add(a, b),
  mul: (a, b) => tf.mul(a, b),
  sub: (a, b) => tf.sub(a, b),
};

const drawSeed = (rng: Rng) => rng.int(0, 2 ** 31 - 1);

export class RnnBlockCell extends tf.layers.Layer {
  static readonly className = 'RnnBlockCell';
  readonly cell: RnnCell;
  readonly units: number;
  readonly returnSequences: boolean;
  private readonly seed: number;
  private readonly order: readonly RnnBlock[];
  private readonly parameters = new Map<string, tf.LayerVariable>();

  constructor(args: RnnBlockCellArgs) {
    super(args);
    this.cell = typeof args.cell === 'string' ? parseCellString(fromHex(args.cell)) : args.cell;
    this.units = args.units;
    this.returnSequences = args.returnSequences;
    this.seed = args.seed ?? 0;
    this.order = topologicalBlocks(this.cell)!;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const embeddingSize = shape[shape.length - 1]!;
    const rng = Rng.fromSeed(this.seed);
    for (const parameter of rnnCellParameters(this.cell)) {
      const rows = parameter.rows === 'embedding' ? embeddingSize : this.units;
      // Keras defaults: Glorot-uniform matrices, zero biases.
      const variable =
        parameter.rows === undefined
          ? this.addWeight(parameter.key, [this.units], 'float32', tf.initializers.zeros())
          : this.addWeight(parameter.key, [rows, this.units], 'float32', tf.initializers.glorotUniform({ seed: drawSeed(rng) }));
      this.parameters.set(parameter.key, variable);
    }
    this.built = true;
  }

  /** The trainable tensor named `key` (`block/w_input` or `block/bias`). */
  parameter(key: string): tf.LayerVariable {
    const variable = this.parameters.get(key);
    if (variable === undefined) throw new RangeError(`the cell has no parameter ${key} (it has ${[...this.parameters.keys()].join(', ')})`);
    return variable;
  }

  parameterKeys(): string[] {
    return [...this.parameters.keys()];
  }

  private blockValue(block: RnnBlock, values: ReadonlyMap<string, tf.Tensor>): tf.Tensor {
    const terms = block.inputs.map((input) => {
      const value = values.get(input)!;
      return isLinear(block.activation) ? tf.matMul(value, this.parameter(matrixKey(block.id, input)).read()) : value;
    });
    const combined = block.combination === undefined ? terms[0]! : COMBINE[block.combination](terms[0]!, terms[1]!);
    const biased = block.activation === 'linear_bias' ? tf.add(combined, this.parameter(biasKey(block.id)).read()) : combined;
    return ACTIVATE[block.activation](biased);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const sequence = Array.isArray(inputs) ? inputs[0]! : inputs;
      const zeros = tf.zeros([sequence.shape[0]!, this.units]);
      let hidden = zeros;
      let memory = hasMemory(this.cell) ? zeros : undefined;
      const outputs: tf.Tensor[] = [];
      for (const input of tf.unstack(sequence, 1)) {
        const values = new Map<string, tf.Tensor>([['x_t', input], ['h_t-1', hidden]]);
        if (memory) values.set('c_t-1', memory);
        for (const block of this.order) values.set(block.id, this.blockValue(block, values));
        hidden = values.get(HIDDEN_OUTPUT)!;
        memory = memory && values.get(MEMORY_OUTPUT);
        outputs.push(hidden);
      }
      return this.returnSequences ? tf.stack(outputs, 1) : hidden;
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, steps] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return this.returnSequences ? [batch ?? null, steps ?? null, this.units] : [batch ?? null, this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      cell: toHex(formatCell(this.cell)),
      units: this.units,
      returnSequences: this.returnSequences,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(RnnBlockCell);

/** Layer names the language model uses, so weight inheritance can find each part. */
export const RNN_MODEL_LAYERS = { embedding: 'embedding', cell: 'block_cell', softmax: 'softmax' } as const;

export interface RnnModelOptions {
  readonly sequenceLength: number;
  /** One prediction per step (language modelling), or one for the whole sequence. */
  readonly perStep: boolean;
  /** Seeds every initializer, so the same arguments build the same weights. */
  readonly seed: number;
}

/**
 * The language model around a cell: int32 token ids `[batch, sequenceLength]` -> embedding -> the block cell
 * -> a dense softmax over the vocabulary at every step (`[batch, sequenceLength, vocabSize]`), or at the
 * last step only. Its trainable parameters are exactly `rnnCost(cell, task).params`.
 */
export function buildRnnLanguageModel(cell: RnnCell, task: RnnTask, options: RnnModelOptions): tf.LayersModel {
  const { sequenceLength, perStep } = options;
  const rng = Rng.fromSeed(options.seed);
  const input = tf.input({ shape: [sequenceLength], dtype: 'int32' });
  const embedded = tf.layers
    .embedding({
      name: RNN_MODEL_LAYERS.embedding,
      inputDim: task.vocabSize,
      outputDim: task.embeddingSize,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: drawSeed(rng) }),
    })
    .apply(input) as tf.SymbolicTensor;
  const states = new RnnBlockCell({ name: RNN_MODEL_LAYERS.cell, cell, units: task.hiddenSize, returnSequences: perStep, seed: drawSeed(rng) }).apply(
    embedded,
  ) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      name: RNN_MODEL_LAYERS.softmax,
      units: task.vocabSize,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: drawSeed(rng) }),
    })
    .apply(states) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

/** The block cell layer of a model built by `buildRnnLanguageModel`. */
export function rnnBlockCellOf(model: tf.LayersModel): RnnBlockCell {
  const layer = model.getLayer(RNN_MODEL_LAYERS.cell);
  if (!(layer instanceof RnnBlockCell)) throw new TypeError(`layer ${RNN_MODEL_LAYERS.cell} of ${model.name} is not an RnnBlockCell`);
  return layer;
}
