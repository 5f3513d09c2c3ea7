/** A worker thread of `npm run bench:predictor`: trains and scores its share of (size, seed) predictors. */
import { parentPort, workerData } from 'node:worker_threads';
import { loadNb201Table } from '../../src/evaluators/nb201-table.js';
import { trainPredictor } from '../../src/predictors/predictor.js';
import { kendallTau, spearman } from '../../src/predictors/rank-correlation.js';
import { nb201Space } from '../../src/spaces/nb201.js';
import { nb201Split } from './nb201-split.js';
import type { RunResult, WorkerInput } from './protocol.js';

const { runs, benchmarksDir, metric, encoding, heldOutSize, poolSize } = workerData as WorkerInput;
const table = await loadNb201Table(benchmarksDir);

for (const { size, seed } of runs) {
  const split = nb201Split(table, metric, seed, heldOutSize, poolSize);
  const training = split.training(size);
  const started = performance.now();
  const predictor = trainPredictor({ space: nb201Space, encoding, ...training, seed });
  const trainSeconds = (performance.now() - started) / 1000;
  const means = predictor.predict(split.heldOut.archs).map((p) => p.mean);
  predictor.dispose();
  const result: RunResult = {
    size,
    seed,
    spearman: spearman(means, split.heldOut.targets),
    kendallTau: kendallTau(means, split.heldOut.targets),
    trainSeconds,
  };
  parentPort!.postMessage(result);
}
