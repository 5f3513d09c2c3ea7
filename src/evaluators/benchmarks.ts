import { InvalidRequest } from '../errors.js';
import { NB201_METRICS } from './nb201-table.js';

/** Tabular and surrogate benchmarks a `benchmark` evaluator can query, with what each one answers. */
export interface BenchmarkInfo {
  readonly description: string;
  /** Search spaces whose architectures the benchmark has values for. */
  readonly spaces: readonly string[];
  readonly metrics: readonly string[];
}

export const BENCHMARKS = {
  nb201: {
    description: 'NAS-Bench-201: all 15,625 cells on CIFAR-10, CIFAR-100, ImageNet16-120, with 27 device latencies',
    spaces: ['nb201'],
    metrics: NB201_METRICS,
  },
} satisfies Record<string, BenchmarkInfo>;

export type BenchmarkName = keyof typeof BENCHMARKS;
export const BENCHMARK_NAMES = Object.keys(BENCHMARKS) as [BenchmarkName, ...BenchmarkName[]];

export function getBenchmark(name: string): BenchmarkInfo {
  const benchmark = (BENCHMARKS as Record<string, BenchmarkInfo>)[name];
  if (!benchmark) {
    throw new InvalidRequest('evaluator.benchmark', `unknown benchmark '${name}' (one of ${BENCHMARK_NAMES.join(', ')})`);
  }
  return benchmark;
}
