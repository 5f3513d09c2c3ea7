/**
 * The job entry: what an AWS Batch container runs (`NAS_JOB` holds the job as JSON) and what each child
 * process of the local job pool runs (jobs arrive over IPC, many per process). A job is a trial, or the
 * training run of an RL search policy.
 */
import { datasetFoldersAt } from '../src/artifacts/directory-artifact-store.js';
import { openSharedData, openTenantData, type DataStores } from '../src/aws/tenant-isolation.js';
import { createBenchmarkEvaluator } from '../src/evaluators/benchmark-evaluator.js';
import { createContainerEvaluator, inheritedEnv } from '../src/evaluators/container-evaluator.js';
import { evaluatorByKind } from '../src/evaluators/evaluator.js';
import { createTrainEvaluator } from '../src/evaluators/train-evaluator.js';
import { BenchmarkCatalog } from '../src/evaluators/benchmarks.js';
import { artifactUri, openTableShelf } from '../src/artifacts/open-artifact-store.js';
import { isAgentTraining, type Job } from '../src/jobs/job-queue.js';
import { runAgentTrainingJob } from '../src/jobs/run-agent-training.js';
import { shippedPolicies } from '../src/local/shipped-policies.js';
import { runTrialJob, type RunTrialDeps } from '../src/jobs/run-trial.js';
import type { PoolToWorker, WorkerToPool } from '../src/jobs/worker-protocol.js';
import { readConfig } from '../src/config.js';
import { chooseBackend } from '../src/training/backend.js';

const config = readConfig();
const locations = { tableName: config.tableName, artifacts: config.artifacts };
// One per process, whoever the job is for: it keeps the benchmark tables it has read.
const benchmarks = new BenchmarkCatalog(config.benchmarksDir, openTableShelf(config.tables));
const evaluator = evaluatorByKind({
  benchmark: createBenchmarkEvaluator(benchmarks),
  train: createTrainEvaluator(),
  // A container trial's command runs on this host only where the operator allows it (the local service).
  ...(config.containerCommands === 'local'
    ? {
        container: createContainerEvaluator({
          checkpointUri: (prefix) => artifactUri(config.artifacts, prefix),
          baseEnv: inheritedEnv(process.env),
          // The local service's own address: commands may report to it over HTTP with their trial token.
          ...(process.env.NAS_API_URL ? { apiUrl: process.env.NAS_API_URL } : {}),
        }),
      }
    : {}),
});
const clock = () => new Date();

/** A trial's dependencies, its records and artifacts as `data` reaches them. */
function trialDeps(data: DataStores): RunTrialDeps {
  return {
    store: data.store,
    evaluator,
    artifacts: data.artifacts,
    clock,
    simulatedTimeScale: config.simulatedTimeScale,
    heartbeatSeconds: config.heartbeatSeconds,
    ...(config.datasetsRoot === undefined ? {} : { datasetFolders: datasetFoldersAt(config.datasetsRoot) }),
    openS3Bucket: data.openS3Bucket,
    // Batch counts attempts of one job from 1; a later one follows a Spot interruption of the same trial.
    reclaimRunning: Number(process.env.AWS_BATCH_JOB_ATTEMPT ?? 1) > 1,
  };
}

async function run(job: Job, data: DataStores): Promise<void> {
  if (!isAgentTraining(job)) return runTrialJob(trialDeps(data), job);
  // Agent training is learner-bound: take the fastest backend here, as training jobs do.
  await chooseBackend();
  // `config.artifacts` always names a store (a folder by default).
  return runAgentTrainingJob({ artifacts: data.artifacts!, benchmarksDir: config.benchmarksDir, tables: benchmarks, clock, shippedPolicies: shippedPolicies() }, job);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const send = process.send?.bind(process);
if (send) {
  const reply = (message: WorkerToPool) => send(message);
  // The local pool's workers run every tenant's jobs with the process's credentials, as the local service does.
  const pooled = openSharedData(locations);
  process.on('message', (message: PoolToWorker) => {
    run(message.job, pooled).then(
      () => reply({ type: 'ended', jobId: message.jobId, ok: true }),
      (error: unknown) => reply({ type: 'ended', jobId: message.jobId, ok: false, reason: describeError(error) }),
    );
  });
  // The pool is gone (killed or shut down): nobody will read our results, so stop.
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready' });
} else {
  const job = JSON.parse(process.env.NAS_JOB ?? 'null') as Job | null;
  if (!job) {
    console.error('NAS_JOB must hold the job as JSON: a trial {"tenantId","searchId","trialNumber","attempt"} or {"kind":"agent-training",...}');
    process.exit(2);
  }
  // A Batch container works for one tenant: with the tenant role, everything it touches goes with that
  // tenant's credentials (agent training is no tenant's, and its job is not given the role).
  run(job, isAgentTraining(job) ? openSharedData(locations) : openTenantData(locations, job.tenantId)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`job failed: ${describeError(error)}`);
      process.exit(1);
    },
  );
}
