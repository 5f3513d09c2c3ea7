import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { InvalidRequest, Unavailable } from '../errors.js';
import { DARTS_CELLS, DARTS_EDGE_COUNT, DARTS_NODES, dartsEdgeIndex } from '../spaces/darts.js';
import type { DartsGenotype } from '../spaces/darts.js';
import { NB301_MAX_EPOCH } from './nb301-metrics.js';

/**
 * NAS-Bench-301 (Siems et al. 2020, arXiv:2008.09777) through YAHPO Gym's `nb301` v2 ONNX surrogate
 * (Pfisterer et al., AutoML-Conf 2022), read from `<benchmarks>/nb301/` (see docs/benchmarks.md). It predicts
 * CIFAR-10 validation accuracy and training time of a DARTS genotype trained for `epoch` of 98 epochs.
 */
export const NB301_DIR = 'nb301';

export interface Nb301Prediction {
  /** Validation accuracy as a fraction. */
  readonly valAccuracy: number;
  /** Training time up to the queried epoch. */
  readonly runtimeSeconds: number;
}

export interface Nb301Surrogate {
  /**
   * Predictions for each genotype at `epoch` (an integer 1..98; 98 is the final score), in order, from one
   * batched model run. Throws `InvalidRequest` (field `epoch`) for an epoch outside 1..98.
   */
  query(genotypes: readonly DartsGenotype[], epoch: number): Promise<Nb301Prediction[]>;
}

/** Prefix of every hyperparameter name in the NB301 ConfigSpace and the surrogate's input files. */
const NAME_PREFIX = 'NetworkSelectorDatasetInfo_COLON_darts_COLON_';
/** The value of a hyperparameter that is inactive (an edge the node does not use). */
const INACTIVE = '#na#';
/** Output columns: val_accuracy, val_cross_entropy, runtime, runtime_increase. */
const OUTPUTS = 4;
const ACCURACY_COLUMN = 0;
const RUNTIME_COLUMN = 2;

/**
 * A genotype as an NB301 configuration (config_space_v2.json, names without the prefix): `edge_<cell>_<k>`
 * holds the operation of edge k (numbered by `dartsEdgeIndex`) or `#na#`, and `inputs_node_<cell>_<node>`
 * holds the node's two inputs as `low_high` (node 2 always reads 0 and 1, so it has none).
 */
export function nb301Config(genotype: DartsGenotype): Record<string, string> {
  const config: Record<string, string> = {};
  for (const cell of DARTS_CELLS) {
    for (let k = 0; k < DARTS_EDGE_COUNT; k += 1) config[`edge_${cell}_${k}`] = INACTIVE;
    genotype[cell].forEach((pair, j) => {
      const node = DARTS_NODES[j]!;
      for (const { op, input } of pair) config[`edge_${cell}_${dartsEdgeIndex(input, node)}`] = op;
      const [low, high] = pair.map((edge) => edge.input).sort((a, b) => a - b);
      if (node > 2) config[`inputs_node_${cell}_${node}`] = `${low}_${high}`;
    });
  }
  return config;
}

async function readRequired(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch {
    throw new Unavailable(
      `NAS-Bench-301 surrogate file not found at ${file}; set NAS_BENCHMARKS_DIR to the folder that holds ${NB301_DIR}/`,
    );
  }
}

async function load(dir: string): Promise<Nb301Surrogate> {
  const [modelFile, orderFile, encodingFile] = ['model_v2.onnx', 'input_order.json', 'encoding_v2.json'].map((name) => join(dir, name));
  // One file after the other, so that the error names the first missing file, always the same one.
  const model = await readRequired(modelFile!);
  const order = JSON.parse((await readRequired(orderFile!)).toString('utf8')) as string[];
  const codes = JSON.parse((await readRequired(encodingFile!)).toString('utf8')) as Record<string, Record<string, number>>;
  const columns = order.map((name) => name.slice(NAME_PREFIX.length));
  const codeOf = (column: string, value: string | undefined): number => {
    if (value === undefined) throw new Unavailable(`${orderFile} lists ${column}, which is not a DARTS hyperparameter`);
    const code = codes[NAME_PREFIX + column]?.[value];
    if (code === undefined) throw new Unavailable(`${encodingFile} has no code for ${column} = ${value}`);
    return code;
  };
  // Imported here so that loading this module never loads the native runtime.
  const { InferenceSession: Session, Tensor } = await import('onnxruntime-node');
  const session: InferenceSession = await Session.create(model);

  return {
    async query(genotypes, epoch) {
      if (!Number.isInteger(epoch) || epoch < 1 || epoch > NB301_MAX_EPOCH) {
        throw new InvalidRequest('epoch', `the NAS-Bench-301 surrogate predicts whole epochs 1..${NB301_MAX_EPOCH}, got ${epoch}`);
      }
      if (genotypes.length === 0) return [];
      const n = genotypes.length;
      const categorical = new Int32Array(n * columns.length);
      genotypes.forEach((genotype, i) => {
        const config = nb301Config(genotype);
        columns.forEach((column, c) => (categorical[i * columns.length + c] = codeOf(column, config[column])));
      });
      const results = await session.run({
        x_cat: new Tensor('int32', categorical, [n, columns.length]),
        x_cont: new Tensor('float32', new Float32Array(n).fill(epoch), [n, 1]),
      });
      const output = results[session.outputNames[0]!]!.data as Float32Array;
      return genotypes.map((_, i) => ({
        valAccuracy: output[i * OUTPUTS + ACCURACY_COLUMN]!,
        runtimeSeconds: output[i * OUTPUTS + RUNTIME_COLUMN]!,
      }));
    },
  };
}

/** One loaded surrogate per folder and process: creating the ONNX session costs far more than a query. */
const loaded = new Map<string, Promise<Nb301Surrogate>>();

/**
 * The NB301 surrogate from `<benchmarksDir>/nb301/`, loaded once per process. Rejects with `Unavailable`
 * naming the missing file when the folder lacks one (and forgets the failure, so a later call retries).
 */
export function loadNb301Surrogate(benchmarksDir: string): Promise<Nb301Surrogate> {
  const dir = resolve(benchmarksDir, NB301_DIR);
  let surrogate = loaded.get(dir);
  if (!surrogate) {
    surrogate = load(dir);
    loaded.set(dir, surrogate);
    surrogate.catch(() => loaded.delete(dir));
  }
  return surrogate;
}
