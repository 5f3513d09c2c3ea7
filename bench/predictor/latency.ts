import { percentile } from '../../src/benchmarking/statistics.js';
/** Prediction latency as a service caller sees it: wall time of whole `predict` calls on a warm predictor. */
export interface LatencyPercentiles {
  readonly batch: number;
  readonly calls: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Times `calls` calls of `predictBatch` after `calls / 10` untimed warm-up calls (JIT, kernel caches). */
export function measureLatency(predictBatch: () => unknown, batch: number, calls: number): LatencyPercentiles {
  for (let i = 0; i < Math.ceil(calls / 10); i++) predictBatch();
  const times = Array.from({ length: calls }, () => {
    const started = performance.now();
    predictBatch();
    return performance.now() - started;
  }).sort((a, b) => a - b);
  return { batch, calls, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}
