import * as tf from '@tensorflow/tfjs';
import { batchOf } from './batches.js';
import type { Dataset } from './datasets/dataset.js';

const WARMUP_RUNS = 3;
const TIMED_RUNS = 20;

/**
 * Median wall-clock milliseconds of one single-sample prediction on this process's backend, after a
 * warm-up (the first calls compile kernels). The median, because a shared machine's outliers are noise.
 */
export async function measureLatencyMs(model: tf.LayersModel, dataset: Dataset): Promise<number> {
  const batch = batchOf(dataset, dataset.validation.count > 0 ? dataset.validation : dataset.test, [0]);
  const times: number[] = [];
  try {
    for (let run = 0; run < WARMUP_RUNS + TIMED_RUNS; run++) {
      const started = performance.now();
      const output = model.predict(batch.x) as tf.Tensor;
      await output.data();
      output.dispose();
      if (run >= WARMUP_RUNS) times.push(performance.now() - started);
    }
  } finally {
    tf.dispose([batch.x, batch.y, batch.weights]);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
