/**
 * The benchmarks an agent trains on: the NB201 table (any of its accuracy metrics) over `nb201`, the NB301
 * surrogate's validation accuracy over `darts` (final, `val_accuracy`, or after fewer epochs,
 * `val_accuracy@20`: a policy reported on the 98-epoch answers should not have learnt them), and any
 * imported table, over its own rows, on any of its metrics (larger is better).
 */
import { InvalidRequest } from '../../errors.js';
import { loadNb201Table, NB201_ACCURACY_METRICS } from '../../evaluators/nb201-table.js';
import { NB301_MAX_EPOCH } from '../../evaluators/nb301-metrics.js';
import { loadNb301Surrogate } from '../../evaluators/nb301-surrogate.js';
import { dartsSpace, type DartsGenotype } from '../../spaces/darts.js';
import { nb201Space, type Nb201Cell } from '../../spaces/nb201.js';
import type { SearchSpace } from '../../spaces/space.js';
import type { AnySpace } from '../../spaces/registry.js';
import type { ImportedTable } from '../../evaluators/imported-table.js';
import { cachedOracle, type ScoreOracle } from './search-env.js';

export interface TrainingBenchmark<A> {
  readonly space: SearchSpace<A>;
  readonly oracle: ScoreOracle<A>;
}

// The harness only passes architectures between one benchmark's own parts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTrainingBenchmark = TrainingBenchmark<any>;

export const TRAINING_BENCHMARKS = { nb201: { space: 'nb201', metrics: NB201_ACCURACY_METRICS }, nb301: { space: 'darts', metrics: ['val_accuracy'] } } as const;

/** `val_accuracy@<epochs>`: the NB301 surrogate's validation accuracy after that many epochs. */
const NB301_FIDELITY = /^val_accuracy@(\d{1,2})$/;

function nb301Epochs(metric: string): number | undefined {
  if (metric === 'val_accuracy') return NB301_MAX_EPOCH;
  const epochs = Number(NB301_FIDELITY.exec(metric)?.[1]);
  return Number.isInteger(epochs) && epochs >= 1 && epochs <= NB301_MAX_EPOCH ? epochs : undefined;
}

/**
 * Refuses a space, benchmark and metric a built-in benchmark cannot train an agent on, naming the wrong
 * one. Any other benchmark name is taken for an imported table, checked when it is loaded.
 */
export function checkTrainingBenchmark(space: string, benchmark: string, metric: string): void {
  const known = TRAINING_BENCHMARKS[benchmark as keyof typeof TRAINING_BENCHMARKS];
  if (!known) return;
  if (known.space !== space) throw new InvalidRequest('space', `benchmark '${benchmark}' covers space '${known.space}', got '${space}'`);
  const answers = benchmark === 'nb301' ? nb301Epochs(metric) !== undefined : (known.metrics as readonly string[]).includes(metric);
  if (!answers) {
    const names = benchmark === 'nb301' ? `val_accuracy or val_accuracy@<1-${NB301_MAX_EPOCH}>` : known.metrics.join(', ');
    throw new InvalidRequest('metric', `benchmark '${benchmark}' answers ${names}, got '${metric}'`);
  }
}

/** The imported tables an agent may train on, and the space of a table's rows (`BenchmarkCatalog`). */
export interface TrainingTables {
  importedTable(name: string): Promise<ImportedTable>;
  searchSpace(name: string, space: AnySpace): Promise<AnySpace>;
}

/** An imported table as a training benchmark: its rows are the space, a metric of theirs the score. */
export async function loadTableBenchmark(space: string, name: string, metric: string, tables: TrainingTables): Promise<AnyTrainingBenchmark> {
  const table = await tables.importedTable(name);
  if (table.manifest.space !== space) throw new InvalidRequest('space', `table '${name}' covers space '${table.manifest.space}', got '${space}'`);
  if (!table.manifest.metrics.includes(metric)) throw new InvalidRequest('metric', `table '${name}' answers ${table.manifest.metrics.join(', ')}, got '${metric}'`);
  const rows = await tables.searchSpace(name, table.space);
  const oracle: ScoreOracle<unknown> = async (archs) => archs.map((arch) => table.lookup(rows.canonical(arch))!.metrics[metric]!);
  return { space: rows, oracle };
}

export async function loadTrainingBenchmark(
  space: string,
  benchmark: string,
  metric: string,
  benchmarksDir: string,
  /** Where imported tables are found; without it an agent trains on the built-in benchmarks only. */
  tables?: TrainingTables,
): Promise<AnyTrainingBenchmark> {
  checkTrainingBenchmark(space, benchmark, metric);
  if (!(benchmark in TRAINING_BENCHMARKS)) {
    if (!tables) throw new InvalidRequest('benchmark', `an agent trains on nb201, nb301 or an imported table, and this job has no table shelf for '${benchmark}'`);
    return loadTableBenchmark(space, benchmark, metric, tables);
  }
  if (benchmark === 'nb201') {
    const table = await loadNb201Table(benchmarksDir);
    const oracle: ScoreOracle<Nb201Cell> = async (cells) => cells.map((cell) => table.lookup(nb201Space.format(cell))![metric]!);
    return { space: nb201Space, oracle: cachedOracle(nb201Space, oracle) };
  }
  const surrogate = await loadNb301Surrogate(benchmarksDir);
  const oracle: ScoreOracle<DartsGenotype> = async (genotypes) =>
    (await surrogate.query(genotypes, nb301Epochs(metric)!)).map((p) => p.valAccuracy * 100);
  return { space: dartsSpace, oracle: cachedOracle(dartsSpace, oracle) };
}
