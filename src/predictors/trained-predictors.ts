import { createHash } from 'node:crypto';
import { resolvePredictorOptions } from './predictor-options.js';
import { defaultEncoding, Predictor, type TrainPredictorInput } from './predictor.js';

/**
 * Trained predictors remembered by what they were trained on: the same space, encoding, data, seed and
 * options give the predictor trained before instead of training again. Training is deterministic, so
 * this changes nothing but the time taken; a strategy that refits on the same data at every proposal
 * stays a pure function of its history and state, and is as fast as one that keeps its model around.
 *
 * The `capacity` most recently used are kept; older ones are disposed. A predictor from `get` is shared:
 * use it before the next `get` (which may evict it) and never `update` or `dispose` it.
 */
export class TrainedPredictors {
  /** In least to most recently used order (a Map iterates in insertion order). */
  private readonly byContent = new Map<string, Predictor<unknown>>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get<A>(input: TrainPredictorInput<A>): Predictor<A> {
    const key = contentKey(input);
    const known = this.byContent.get(key) as Predictor<A> | undefined;
    const predictor = known ?? Predictor.train(input);
    this.byContent.delete(key);
    this.byContent.set(key, predictor as Predictor<unknown>);
    for (const [oldest, evicted] of this.byContent) {
      if (this.byContent.size <= this.capacity) break;
      this.byContent.delete(oldest);
      evicted.dispose();
    }
    return predictor;
  }
}

function contentKey<A>({ space, encoding = defaultEncoding(space), archs, targets, seed, options }: TrainPredictorInput<A>): string {
  const content = [space.name, encoding, seed, resolvePredictorOptions(options), archs.map((a) => space.format(a)), targets];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}
