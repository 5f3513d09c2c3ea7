/**
 * The trial job entry: what an AWS Batch container runs (`NAS_JOB` holds the job as JSON) and what each
 * child process of the local job pool runs (jobs arrive over IPC, many per process).
 */
import { openArtifactStore, s3BucketOpener } from '../src/artifacts/open-artifact-store.js';
import { createBenchmarkEvaluator } from '../src/evaluators/benchmark-evaluator.js';
import { evaluatorByKind } from '../src/evaluators/evaluator.js';
import { createTrainEvaluator } from '../src/evaluators/train-evaluator.js';
import { BenchmarkCatalog } from '../src/evaluators/benchmarks.js';
import type { TrialJob } from '../src/jobs/job-queue.js';
import { runTrialJob, type RunTrialDeps } from '../src/jobs/run-trial.js';
import type { PoolToWorker, WorkerToPool } from '../src/jobs/worker-protocol.js';
import { readConfig } from '../src/config.js';
import { dynamoClientConfig } from '../src/store/client-config.js';
import { DynamoDbStore } from '../src/store/dynamodb-store.js';

const config = readConfig();
const deps: RunTrialDeps = {
  store: new DynamoDbStore({ tableName: config.tableName, client: dynamoClientConfig() }),
  evaluator: evaluatorByKind({
    benchmark: createBenchmarkEvaluator(new BenchmarkCatalog(config.benchmarksDir)),
    train: createTrainEvaluator({ openS3Bucket: s3BucketOpener() }),
  }),
  artifacts: openArtifactStore(config.artifacts),
  clock: () => new Date(),
  simulatedTimeScale: config.simulatedTimeScale,
  heartbeatSeconds: config.heartbeatSeconds,
  // Batch counts attempts of one job from 1; a later one follows a Spot interruption of the same trial.
  reclaimRunning: Number(process.env.AWS_BATCH_JOB_ATTEMPT ?? 1) > 1,
};

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const send = process.send?.bind(process);
if (send) {
  const reply = (message: WorkerToPool) => send(message);
  process.on('message', (message: PoolToWorker) => {
    runTrialJob(deps, message.job).then(
      () => reply({ type: 'ended', jobId: message.jobId, ok: true }),
      (error: unknown) => reply({ type: 'ended', jobId: message.jobId, ok: false, reason: describeError(error) }),
    );
  });
  // The pool is gone (killed or shut down): nobody will read our results, so stop.
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready' });
} else {
  const job = JSON.parse(process.env.NAS_JOB ?? 'null') as TrialJob | null;
  if (!job) {
    console.error('NAS_JOB must hold the trial job as JSON: {"tenantId","searchId","trialNumber","attempt"}');
    process.exit(2);
  }
  runTrialJob(deps, job).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`trial job failed: ${describeError(error)}`);
      process.exit(1);
    },
  );
}
