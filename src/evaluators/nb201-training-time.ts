import type { ArchitectureCost } from '../spaces/space.js';
import { NB201_DATASETS, type Nb201Dataset } from './nb201-table.js';

/**
 * Simulated GPU training time of an NB201 table lookup, so that runtime budgets and cost estimates mean
 * something on a benchmark. The table itself has no times, so this is a stated model, not a measurement:
 * a fixed data-loading part per epoch plus a part proportional to FLOPs, giving about 8 s per CIFAR-10
 * epoch for the smallest cell and 21 s for the all-3x3-conv cell (220 MFLOPs), the order of magnitude of
 * one-GPU NB201 training. ImageNet16-120 has 3x the images at a quarter of the pixels, so its epochs are
 * taken to last 0.75x as long.
 */
const SECONDS_PER_EPOCH_BASE = 8;
const SECONDS_PER_EPOCH_PER_MFLOP = 0.06;
const DATASET_FACTOR: Record<Nb201Dataset, number> = { cifar10: 1, cifar100: 1, imagenet16: 0.75 };

/** Each `<dataset>_<split>_<epochs>` metric needs one training run of that many epochs on that dataset. */
const ACCURACY_METRIC = new RegExp(`^(${NB201_DATASETS.join('|')})_(?:valid|test)_(\\d+)$`);

export function nb201TrainingSeconds(cost: ArchitectureCost, metrics: readonly string[]): number {
  const runs = new Set<string>();
  for (const metric of metrics) {
    const match = ACCURACY_METRIC.exec(metric);
    if (match) runs.add(`${match[1]}:${match[2]}`);
  }
  const secondsPerEpoch = SECONDS_PER_EPOCH_BASE + (SECONDS_PER_EPOCH_PER_MFLOP * cost.flops) / 1e6;
  let total = 0;
  for (const run of runs) {
    const [dataset, epochs] = run.split(':') as [Nb201Dataset, string];
    total += Number(epochs) * secondsPerEpoch * DATASET_FACTOR[dataset];
  }
  return total;
}
