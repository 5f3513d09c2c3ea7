import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import type { TrainingRun } from '../../src/evaluators/evaluator.js';

/**
 * What a trial job hands the `train` evaluator, for a bench training outside any search: no early
 * stopping, nothing recorded yet, checkpoints under `prefix` of a scratch folder, built-in datasets only.
 */
export function standaloneRun(scratchFolder: string, prefix: string, seed: number): TrainingRun {
  return {
    reportEpoch: async () => ({ stop: false }),
    recordedEpochs: [],
    artifacts: new DirectoryArtifactStore(scratchFolder),
    artifactPrefix: prefix,
    datasets: { tenantId: 'bench' },
    seed,
  };
}
