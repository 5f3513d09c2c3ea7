/**
 * The benchmarks an agent trains on: the NB201 table (any of its accuracy metrics) over `nb201`, and the
 * NB301 surrogate's final validation accuracy over `darts`. Both answer in percent, larger is better.
 */
import { InvalidRequest } from '../../errors.js';
import { loadNb201Table, NB201_ACCURACY_METRICS } from '../../evaluators/nb201-table.js';
import { NB301_MAX_EPOCH } from '../../evaluators/nb301-metrics.js';
import { loadNb301Surrogate } from '../../evaluators/nb301-surrogate.js';
import { dartsSpace, type DartsGenotype } from '../../spaces/darts.js';
import { nb201Space, type Nb201Cell } from '../../spaces/nb201.js';
import type { SearchSpace } from '../../spaces/space.js';
import { cachedOracle, type ScoreOracle } from './search-env.js';

export interface TrainingBenchmark<A> {
  readonly space: SearchSpace<A>;
  readonly oracle: ScoreOracle<A>;
}

// The harness only passes architectures between one benchmark's own parts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTrainingBenchmark = TrainingBenchmark<any>;

export const TRAINING_BENCHMARKS = { nb201: { space: 'nb201', metrics: NB201_ACCURACY_METRICS }, nb301: { space: 'darts', metrics: ['val_accuracy'] } } as const;

/** Refuses a space, benchmark and metric an agent cannot train on, naming the wrong one. */
export function checkTrainingBenchmark(space: string, benchmark: string, metric: string): void {
  const known = TRAINING_BENCHMARKS[benchmark as keyof typeof TRAINING_BENCHMARKS];
  if (!known) throw new InvalidRequest('benchmark', `an agent trains on ${Object.keys(TRAINING_BENCHMARKS).join(' or ')}, got '${benchmark}'`);
  if (known.space !== space) throw new InvalidRequest('space', `benchmark '${benchmark}' covers space '${known.space}', got '${space}'`);
  if (!(known.metrics as readonly string[]).includes(metric)) {
    throw new InvalidRequest('metric', `benchmark '${benchmark}' answers ${known.metrics.join(', ')}, got '${metric}'`);
  }
}

export async function loadTrainingBenchmark(space: string, benchmark: string, metric: string, benchmarksDir: string): Promise<AnyTrainingBenchmark> {
  checkTrainingBenchmark(space, benchmark, metric);
  if (benchmark === 'nb201') {
    const table = await loadNb201Table(benchmarksDir);
    const oracle: ScoreOracle<Nb201Cell> = async (cells) => cells.map((cell) => table.lookup(nb201Space.format(cell))![metric]!);
    return { space: nb201Space, oracle: cachedOracle(nb201Space, oracle) };
  }
  const surrogate = await loadNb301Surrogate(benchmarksDir);
  const oracle: ScoreOracle<DartsGenotype> = async (genotypes) =>
    (await surrogate.query(genotypes, NB301_MAX_EPOCH)).map((p) => p.valAccuracy * 100);
  return { space: dartsSpace, oracle: cachedOracle(dartsSpace, oracle) };
}
