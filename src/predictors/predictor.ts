/**
 * A performance predictor: an ensemble of small MLPs regressing a metric from an architecture's encoding,
 * as the neural predictor of BANANAS (White, Neiswanger, Savani, AAAI 2021). The ensemble mean is the
 * prediction and the spread across members its uncertainty, which `acquisition.ts` turns into proposals.
 *
 * Deterministic: the same space, encoding, data, seed and options give bit-identical weights and
 * predictions (seeded initialisation and shuffles, plain JavaScript arithmetic), also after a JSON round trip.
 */
import { InvalidRequest } from '../errors.js';
import { Rng } from '../random/rng.js';
import type { EncodingKind, SearchSpace } from '../spaces/space.js';
import { COST_FEATURE_COUNT, costFeatures, costScaleOf } from './cost-features.js';
import { fitEnsemble, MlpEnsemble, parameterShapes, type EnsembleFitJob, type EnsembleFitResult, type EnsembleShape } from './mlp-ensemble.js';
import {
  ARTIFACT_FORMAT,
  ARTIFACT_VERSION,
  base64ToFloat32,
  contentHash,
  float32ToBase64,
  parseArtifact,
  type PredictorArtifact,
  type RankScore,
} from './predictor-artifact.js';
import { resolvePredictorOptions, type PredictorOptions, type ResolvedPredictorOptions } from './predictor-options.js';
import { kendallTau, spearman } from './rank-correlation.js';
import { scaleOf, standardised, type Scale } from './scale.js';

/** The predicted metric of one architecture: ensemble mean and standard deviation across members. */
export interface Prediction {
  readonly mean: number;
  readonly std: number;
}

export interface TrainPredictorInput<A> {
  readonly space: SearchSpace<A>;
  /** @default `defaultEncoding(space)`: 'path' (BANANAS found it predicts best), 'adjacency' where paths are too many */
  readonly encoding?: EncodingKind;
  readonly archs: readonly A[];
  /** The metric of each architecture, in `archs` order; any scale, standardised internally. */
  readonly targets: readonly number[];
  readonly seed: number;
  readonly options?: PredictorOptions;
}

/**
 * Runs an ensemble's fit (`fitEnsemble`) somewhere, for `Predictor.trainWith` and `updateWith`: in a
 * process of its own in the local service, so that training never holds the event loop that answers the API.
 */
export type EnsembleFitter = (job: EnsembleFitJob) => Promise<EnsembleFitResult>;

/** Fits in this thread, synchronously: `trainWith` and `updateWith` then do exactly what `train` and `update` do. */
export const fitInThisThread: EnsembleFitter = async (job) => fitEnsemble(job);

export interface PredictorMetadata {
  readonly space: string;
  readonly encoding: EncodingKind;
  readonly trainingSize: number;
  readonly heldOut: RankScore | null;
  readonly seed: number;
  readonly options: ResolvedPredictorOptions;
}

/**
 * Longer path encodings make training crawl: every entry is a weight row of every member, and Adam
 * updates them all each step. DARTS's has 11,200 entries (on TensorFlow.js's CPU backend, 20 architectures
 * took 50 s to train where 50 NB201 ones, 100 entries, took 4.5 s). Its adjacency encoding has 196.
 */
const MAX_DEFAULT_PATH_LENGTH = 1000;

/** The encoding a predictor uses unless told: the path encoding, or adjacency where the space has too many paths. */
export function defaultEncoding(space: Pick<SearchSpace<unknown>, 'encodingLength'>): EncodingKind {
  return space.encodingLength('path') <= MAX_DEFAULT_PATH_LENGTH ? 'path' : 'adjacency';
}

/** The ensemble's input: the encoding, then the cost features when asked for. */
function inputSizeOf(space: Pick<SearchSpace<unknown>, 'encodingLength'>, encoding: EncodingKind, options: { costFeatures?: boolean | undefined }): number {
  return space.encodingLength(encoding) + (options.costFeatures ? COST_FEATURE_COUNT : 0);
}

/** Rows encoded for a fitter between turns of the event loop (`trainWith`, `updateWith`). */
const ROWS_PER_TURN = 500;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Fewer held-out architectures than this give a rank correlation too noisy to report. */
const MIN_HELD_OUT = 10;

function checkTrainingData(archs: readonly unknown[], targets: readonly number[]): void {
  if (archs.length !== targets.length) {
    throw new InvalidRequest('targets', `expected one target per architecture (${archs.length}), got ${targets.length}`);
  }
  const bad = targets.findIndex((t) => !Number.isFinite(t));
  if (bad >= 0) throw new InvalidRequest(`targets[${bad}]`, `expected a finite number, got ${targets[bad]}`);
}

const orNull = (value: number) => (Number.isFinite(value) ? value : null);

/** What a predictor is made of; `training` and `heldOut` change on `update`. */
interface PredictorParts<A> {
  readonly space: SearchSpace<A>;
  readonly encoding: EncodingKind;
  readonly seed: number;
  readonly options: ResolvedPredictorOptions;
  readonly scale: Scale;
  /** With `options.costFeatures`: how the cost features are standardised, fixed at first training. */
  readonly costScale: readonly Scale[] | undefined;
  readonly ensemble: MlpEnsemble;
  /** Shuffles of later `update`s; its state is saved in the artifact. Replaced by a fit run elsewhere (`commit`). */
  rng: Rng;
  training: { readonly archs: readonly A[]; readonly targets: readonly number[] };
  heldOut: RankScore | null;
}

/**
 * A trained ensemble. Every method is synchronous (usable from a strategy's `propose`); `update` changes
 * the weights in place. Its weights are plain typed arrays, garbage-collected; `dispose()` retires it.
 */
export class Predictor<A> {
  private disposed = false;

  private constructor(private readonly parts: PredictorParts<A>) {}

  /**
   * Trains from scratch. The first `holdOutFraction` of a seeded shuffle of the data is held out while the
   * ensemble trains `epochs` on the rest; its rank correlation there becomes `metadata.heldOut`, then it
   * is learnt like an `update`. Throws `InvalidRequest` for mismatched or non-finite targets, fewer than
   * two architectures, a seed that is not an integer, or bad options.
   */
  static train<A>(input: TrainPredictorInput<A>): Predictor<A> {
    const { predictor, heldOut } = Predictor.untrained(input);
    predictor.fit(predictor.parts.training, predictor.parts.options.epochs);
    if (heldOut.archs.length > 0) predictor.update(heldOut.archs, heldOut.targets);
    return predictor;
  }

  /**
   * `train`, with every fit run by `fitter` (e.g. in another process) while the caller's event loop goes
   * on; the same fits in the same order, so the predictor is the one `train` gives.
   */
  static async trainWith<A>(input: TrainPredictorInput<A>, fitter: EnsembleFitter): Promise<Predictor<A>> {
    const { predictor, heldOut } = Predictor.untrained(input);
    try {
      predictor.commit(await fitter(await predictor.fitJob(predictor.parts.training, predictor.parts.options.epochs)));
      if (heldOut.archs.length > 0) await predictor.updateWith(heldOut.archs, heldOut.targets, fitter);
      return predictor;
    } catch (error) {
      predictor.dispose();
      throw error;
    }
  }

  /** A predictor initialised for `input` but not yet fitted, and the rows it holds out to score itself on. */
  private static untrained<A>({ space, encoding = defaultEncoding(space), archs, targets, seed, options }: TrainPredictorInput<A>): {
    predictor: Predictor<A>;
    heldOut: { archs: A[]; targets: number[] };
  } {
    const resolved = resolvePredictorOptions(options);
    checkTrainingData(archs, targets);
    if (archs.length < 2) throw new InvalidRequest('archs', `expected at least 2 architectures, got ${archs.length}`);
    if (!Number.isSafeInteger(seed)) throw new InvalidRequest('seed', `expected an integer, got ${seed}`);
    const rng = Rng.fromSeed(seed);
    const order = rng.shuffle(archs.map((_, i) => i));
    const holdOut = Math.floor(archs.length * resolved.holdOutFraction);
    const [heldOutRows, trainRows] = holdOut >= MIN_HELD_OUT ? [order.slice(0, holdOut), order.slice(holdOut)] : [[], order];
    const pick = <T>(items: readonly T[], rows: number[]) => rows.map((i) => items[i]!);
    const trainTargets = pick(targets, trainRows);
    const trainArchs = pick(archs, trainRows);
    const shape: EnsembleShape = {
      members: resolved.members,
      inputSize: inputSizeOf(space, encoding, resolved),
      hiddenLayers: resolved.hiddenLayers,
    };
    const predictor = new Predictor({
      space,
      encoding,
      seed,
      options: resolved,
      scale: scaleOf(trainTargets),
      costScale: resolved.costFeatures ? costScaleOf(trainArchs.map((a) => costFeatures(space, a))) : undefined,
      ensemble: MlpEnsemble.initialise(shape, rng),
      rng,
      training: { archs: trainArchs, targets: trainTargets },
      heldOut: null,
    });
    return { predictor, heldOut: { archs: pick(archs, heldOutRows), targets: pick(targets, heldOutRows) } };
  }

  /**
   * Restores a predictor saved by `toJSON()` for the given space; it predicts exactly as the saved one.
   * Throws `InvalidRequest` (field `artifact.*`) for a malformed artifact, another space or encoding
   * length, wrong weight sizes or a hash that does not match the content; `InvalidArchitecture` for a
   * training architecture that is not in the space.
   */
  static fromJSON<A>(json: unknown, space: SearchSpace<A>): Predictor<A> {
    const artifact = parseArtifact(json);
    if (artifact.space !== space.name) {
      throw new InvalidRequest('artifact.space', `artifact is for space '${artifact.space}', not '${space.name}'`);
    }
    const inputSize = inputSizeOf(space, artifact.encoding, artifact.options);
    if (artifact.inputSize !== inputSize) {
      throw new InvalidRequest(
        'artifact.inputSize',
        `space '${space.name}' encodes '${artifact.encoding}'${artifact.options.costFeatures ? ' and its cost' : ''} in ${inputSize} numbers, artifact has ${artifact.inputSize}`,
      );
    }
    if (Boolean(artifact.options.costFeatures) !== (artifact.costScale !== undefined)) {
      throw new InvalidRequest('artifact.costScale', 'expected a cost scale exactly when options.costFeatures is on');
    }
    checkTrainingData(artifact.training.archs, artifact.training.targets);
    const shape: EnsembleShape = { members: artifact.options.members, inputSize, hiddenLayers: artifact.options.hiddenLayers };
    const shapes = parameterShapes(shape);
    const values = artifact.parameters.map(base64ToFloat32);
    const fits = (v: Float32Array | undefined, k: number): v is Float32Array => v?.length === shapes[k]?.reduce((n, d) => n * d, 1);
    if (values.length !== shapes.length || !values.every(fits)) {
      throw new InvalidRequest('artifact.parameters', `expected ${shapes.length} tensors shaped ${JSON.stringify(shapes)}`);
    }
    const predictor = new Predictor({
      space,
      encoding: artifact.encoding,
      seed: artifact.seed,
      options: artifact.options,
      scale: artifact.targetScale,
      costScale: artifact.costScale,
      ensemble: MlpEnsemble.fromParameters(shape, values),
      rng: Rng.fromState(artifact.rngState),
      training: { archs: artifact.training.archs.map((a) => space.parse(a)), targets: artifact.training.targets },
      heldOut: artifact.heldOut,
    });
    if (predictor.toJSON().hash !== artifact.hash) {
      predictor.dispose();
      throw new InvalidRequest('artifact.hash', 'the hash does not match the artifact content');
    }
    return predictor;
  }

  get metadata(): PredictorMetadata {
    const { space, encoding, training, heldOut, seed, options } = this.parts;
    return { space: space.name, encoding, trainingSize: training.archs.length, heldOut, seed, options };
  }

  /** One prediction per architecture, in order; plain JavaScript, no TensorFlow.js work (see `MlpEnsemble.predict`). */
  predict(archs: readonly A[]): Prediction[] {
    this.checkUsable();
    if (archs.length === 0) return [];
    const { ensemble, scale, options } = this.parts;
    const outputs = ensemble.predict(this.encodeRows(archs));
    return archs.map((_, column) => {
      let sum = 0;
      let squares = 0;
      for (let m = 0; m < options.members; m++) {
        const value = outputs[m * archs.length + column]!;
        sum += value;
        squares += value * value;
      }
      const mean = sum / options.members;
      const std = Math.sqrt(Math.max(0, squares / options.members - mean * mean));
      return { mean: scale.mean + scale.std * mean, std: scale.std * std };
    });
  }

  /**
   * Learns from more data, warm-started: `updateEpochs` over the whole grown training set (old rows
   * included, so the ensemble does not forget them). With at least 10 new architectures, their rank
   * correlation before learning them becomes `metadata.heldOut`. Targets keep the first training's scale.
   */
  update(archs: readonly A[], targets: readonly number[]): void {
    const grown = this.grown(archs, targets);
    if (!grown) return;
    this.fit(grown.training, this.parts.options.updateEpochs);
    this.parts.training = grown.training;
    this.parts.heldOut = grown.heldOut;
  }

  /**
   * `update`, with the fit run by `fitter` (e.g. in another process) while the caller's event loop goes on.
   * The predictor keeps answering as it was until the fit is back, then changes at once (weights, training
   * set, held-out score); if the fit fails it is left as it was. One update at a time per predictor.
   */
  async updateWith(archs: readonly A[], targets: readonly number[], fitter: EnsembleFitter): Promise<void> {
    const grown = this.grown(archs, targets);
    if (!grown) return;
    const result = await fitter(await this.fitJob(grown.training, this.parts.options.updateEpochs));
    this.checkUsable();
    this.commit(result);
    this.parts.training = grown.training;
    this.parts.heldOut = grown.heldOut;
  }

  /** The training set and held-out score after learning (archs, targets); undefined when there is nothing new. */
  private grown(archs: readonly A[], targets: readonly number[]): Pick<PredictorParts<A>, 'training' | 'heldOut'> | undefined {
    this.checkUsable();
    checkTrainingData(archs, targets);
    if (archs.length === 0) return undefined;
    const heldOut = archs.length >= MIN_HELD_OUT ? this.rankScore(archs, targets) : this.parts.heldOut;
    const { training } = this.parts;
    return { training: { archs: [...training.archs, ...archs], targets: [...training.targets, ...targets] }, heldOut };
  }

  /** The rank correlation of predictions with `targets` (e.g. of trials that finished since training). */
  rankScore(archs: readonly A[], targets: readonly number[]): RankScore {
    const means = this.predict(archs).map((p) => p.mean);
    return { size: archs.length, spearman: orNull(spearman(means, targets)), kendallTau: orNull(kendallTau(means, targets)) };
  }

  toJSON(): PredictorArtifact {
    this.checkUsable();
    const { space, encoding, seed, options, scale, costScale, ensemble, rng, training, heldOut } = this.parts;
    const body = {
      format: ARTIFACT_FORMAT,
      version: ARTIFACT_VERSION,
      space: space.name,
      encoding,
      inputSize: ensemble.shape.inputSize,
      seed,
      options,
      targetScale: scale,
      ...(costScale === undefined ? {} : { costScale: [...costScale] }),
      training: { archs: training.archs.map((a) => space.format(a)), targets: [...training.targets] },
      heldOut,
      rngState: [...rng.state()],
      parameters: ensemble.parameterValues().map(float32ToBase64),
    } satisfies Omit<PredictorArtifact, 'hash'>;
    return { ...body, hash: contentHash(body) };
  }

  /** Retires the predictor (e.g. one evicted from a cache that others may still hold): any later call but `dispose` throws. */
  dispose(): void {
    this.disposed = true;
  }

  private fit(training: PredictorParts<A>['training'], epochs: number): void {
    const { ensemble, scale, options, rng } = this.parts;
    const targets = training.targets.map((t) => (t - scale.mean) / scale.std);
    ensemble.fit(this.encodeRows(training.archs), targets, { epochs, learningRate: options.learningRate, batchSize: options.batchSize }, rng);
  }

  /**
   * What `fit(training, epochs)` does, as data for a fitter: the work is the same, only where it runs
   * differs. Encodes the rows a slice at a time, letting the event loop turn between slices.
   */
  private async fitJob(training: PredictorParts<A>['training'], epochs: number): Promise<EnsembleFitJob> {
    const { inputSize } = this.parts.ensemble.shape;
    const inputs = new Float32Array(training.archs.length * inputSize);
    for (let start = 0; start < training.archs.length; start += ROWS_PER_TURN) {
      await nextTurn();
      this.encodeRows(training.archs.slice(start, start + ROWS_PER_TURN)).forEach((row, r) => inputs.set(row, (start + r) * inputSize));
    }
    this.checkUsable();
    const { ensemble, scale, options, rng } = this.parts;
    return {
      shape: ensemble.shape,
      parameters: ensemble.parameterValues(),
      inputs,
      targets: Float32Array.from(training.targets, (t) => (t - scale.mean) / scale.std),
      schedule: { epochs, learningRate: options.learningRate, batchSize: options.batchSize },
      rngState: rng.state(),
    };
  }

  /** Takes a fit's result as if the fit had run here: its parameters, and the generator where its shuffles left it. */
  private commit(result: EnsembleFitResult): void {
    this.parts.ensemble.assign(result.parameters);
    this.parts.rng = Rng.fromState(result.rngState);
  }

  private encodeRows(archs: readonly A[]): number[][] {
    const { space, encoding, costScale } = this.parts;
    return archs.map((a) => {
      const row = space.encode(a, encoding);
      return costScale === undefined ? row : [...row, ...standardised(costFeatures(space, a), costScale)];
    });
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error('this predictor was disposed');
  }
}

/** Trains a predictor from scratch; see `Predictor.train`. */
export const trainPredictor = <A>(input: TrainPredictorInput<A>): Predictor<A> => Predictor.train(input);
