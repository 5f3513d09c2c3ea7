import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { tenantArtifactPrefix } from '../artifacts/tenant-prefix.js';
import { issueTrialAccess } from '../usecases/trial-tokens.js';
import { curveScore, earlyStopVerdict, type EarlyStopVerdict } from '../search/early-stopping.js';
import { GpuUnavailable, InvalidArchitecture, InvalidRequest, TrainingCommandFailed } from '../errors.js';
import { attemptVerdict, maxTrialAttemptsOf, withClosedAttempt } from '../search/attempts.js';
import type { DatasetFolders } from '../training/datasets/dataset-access.js';
import { InvalidDataset } from '../training/datasets/invalid-dataset.js';
import { evaluationTaskOf, type Evaluator, type TrainingRun } from '../evaluators/evaluator.js';
import type { EpochObservation, SearchRecord, TrialRecord } from '../search/records.js';
import { isActiveTrial, TRIAL_TRANSITIONS } from '../search/states.js';
import { ARCHITECTURE_METRICS, searchMetrics, selectionDirection } from '../search/metrics.js';
import type { SearchSpec } from '../search/spec.js';
import { resolveSpace } from '../spaces/registry.js';
import type { Store } from '../store/store.js';
import { SearchCurves } from '../usecases/search-curves.js';
import { datasetAccessFor } from './dataset-access.js';
import type { TrialJob } from './job-queue.js';

export interface RunTrialDeps {
  readonly store: Store;
  readonly evaluator: Evaluator;
  /** Checkpoints and trained models of `train` trials; a job without one can run benchmark trials only. */
  readonly artifacts?: ArtifactStore;
  readonly clock: () => Date;
  /**
   * Real seconds to wait per simulated training second of a benchmark trial (0: answer at once). Lets a
   * benchmark search unfold at a watchable pace in the dashboard and in restart tests.
   */
  readonly simulatedTimeScale: number;
  /**
   * Whether this container may take over an attempt already RUNNING: AWS Batch retries the same attempt
   * after a Spot interruption, and the new container must finish what the reclaimed one started.
   * @default false
   */
  readonly reclaimRunning?: boolean;
  /**
   * How often a running job records a heartbeat on its trial.
   * @default 30
   */
  readonly heartbeatSeconds?: number;
  /** The operator's folder of `dir:` datasets (`NAS_DATASETS_ROOT`); absent: `dir:` datasets are refused. */
  readonly datasetFolders?: DatasetFolders;
  /** Opens an S3 bucket for `s3://` datasets; absent where S3 is not configured. */
  readonly openS3Bucket?: (bucket: string) => ArtifactStore;
}

/** The architecture metrics (`params`, `flops`) among `wanted`, from the space's cost model. */
export function architectureMetrics(spec: SearchSpec, arch: string, wanted: readonly string[]): Record<string, number> {
  if (!wanted.some((metric) => ARCHITECTURE_METRICS.includes(metric))) return {};
  const space = resolveSpace(spec.space, spec.spaceConfig);
  const { params, flops } = space.cost(space.parse(arch));
  return Object.fromEntries(Object.entries({ params, flops }).filter(([metric]) => wanted.includes(metric)));
}

/** The curves of the searches this process judges early stopping for, finished ones read once. */
const searchCurves = new SearchCurves();

/** The trial's attempt was superseded (killed, or declared stale and resubmitted): stop without a word. */
class AttemptSuperseded extends Error {}

/** Where a trial's checkpoints and trained model live in the ArtifactStore. */
export function trialArtifactPrefix(tenantId: string, searchId: string, trialNumber: number): string {
  return `${tenantArtifactPrefix(tenantId)}searches/${searchId}/trials/${trialNumber}/`;
}

/** The seed a trial trains with: the schedule's, else derived from the search's seed and the trial number. */
export function trialSeed(spec: SearchRecord['spec'], trialNumber: number): number {
  const scheduled = spec.evaluator.kind === 'train' ? spec.evaluator.schedule.seed : undefined;
  return scheduled ?? (spec.seed + trialNumber) % 2 ** 31;
}

/**
 * The model key of a distillation teacher: a trained trial of one of the tenant's searches. A teacher
 * without a model is the spec's mistake, so it fails the trial for good.
 */
export async function requireTeacherModel(store: Store, tenantId: string, teacher: { searchId: string; trialNumber: number }): Promise<string> {
  const search = await store.getSearch(tenantId, teacher.searchId);
  const trial = search && (await store.getTrial(tenantId, teacher.searchId, teacher.trialNumber));
  if (!trial?.modelKey) {
    throw new InvalidRequest('evaluator.distillation.teacher', `trial ${teacher.trialNumber} of search '${teacher.searchId}' has no trained model to distil from`);
  }
  return trial.modelKey;
}

/**
 * A training job's link to its trial (`train` and `container` trials): each epoch is appended to the
 * trial's curve (conditional on the attempt, so a superseded job learns it should stop) and judged by the
 * search's early-stopping rule against the other trials' curves right away.
 */
async function trainingRun(deps: RunTrialDeps, search: SearchRecord, trial: TrialRecord): Promise<TrainingRun | undefined> {
  const { spec } = search;
  const { evaluator } = spec;
  if (evaluator.kind !== 'train' && evaluator.kind !== 'container') return undefined;
  const { store, clock, artifacts } = deps;
  if (!artifacts) throw new Error('this job has no artifact store for checkpoints: set NAS_ARTIFACTS');
  const training = evaluator.kind === 'train' ? evaluator : undefined;
  let curve: readonly EpochObservation[] = trial.curve ?? [];
  // The parent's trained weights start an inheriting child; its validation loss decides a short schedule.
  const needsParent = training !== undefined && (training.inheritWeights || training.schedule.shortSchedule !== undefined);
  const parent = needsParent && trial.parent ? await store.getTrial(search.tenantId, search.id, trial.parent.trialNumber) : undefined;
  const distillation = training?.distillation;
  const teacher = distillation && (await requireTeacherModel(store, search.tenantId, distillation.teacher));
  // A container's command decides how many steps it reports: ASHA's rungs are not capped by a schedule.
  const maxEpochs = training?.schedule.epochs ?? Number.POSITIVE_INFINITY;
  // Its command may report over HTTP too, with a token that reaches this attempt only.
  const access = evaluator.kind === 'container' ? await issueTrialAccess(store, trial) : undefined;
  if (evaluator.kind === 'container' && !access) throw new AttemptSuperseded(`trial ${trial.number} attempt ${trial.attempt} is no longer running`);
  return {
    trial: { searchId: search.id, number: trial.number },
    ...(access ? { access } : {}),
    ...(teacher && distillation ? { teacher: { modelKey: teacher, temperature: distillation.temperature, weight: distillation.weight } } : {}),
    ...(parent ? { parent: parentOfRun(parent) } : {}),
    recordedEpochs: curve,
    artifacts,
    artifactPrefix: trialArtifactPrefix(search.tenantId, search.id, trial.number),
    datasets: await datasetAccessFor(store, search.tenantId, evaluator, {
      artifacts,
      folders: deps.datasetFolders,
      openS3Bucket: deps.openS3Bucket,
    }),
    seed: trialSeed(spec, trial.number),
    async reportedCurve() {
      return (await store.getTrial(search.tenantId, search.id, trial.number))?.curve ?? [];
    },
    async reportEpoch(observation): Promise<EarlyStopVerdict> {
      // A resumed job repeats the epochs after its last checkpoint: the new observation replaces theirs.
      curve = [...curve.filter((o) => o.epoch < observation.epoch), observation];
      const patch = { curve, heartbeatAt: clock().toISOString() };
      if (!(await store.updateTrial(search.tenantId, search.id, trial.number, patch, { attempt: trial.attempt, status: TRIAL_TRANSITIONS.report.from }))) {
        throw new AttemptSuperseded(`trial ${trial.number} attempt ${trial.attempt} is no longer running`);
      }
      await store.recordProgress(search.tenantId, search.id, patch.heartbeatAt);
      if (!spec.earlyStopping) return { stop: false };
      // The record as it is now: which trials exist has changed since the job started.
      return earlyStopOfCurve(store, (await store.getSearch(search.tenantId, search.id)) ?? search, trial.number, curve, maxEpochs);
    },
  };
}

/**
 * The search's early-stopping rule on a running trial's curve so far, against every other trial's: what a
 * training job asks after each epoch and an external worker's report is answered with. `search` is the
 * record as read now: its ledger says which trials there are (`SearchCurves`).
 */
export async function earlyStopOfCurve(
  store: Store,
  search: SearchRecord,
  trialNumber: number,
  curve: readonly EpochObservation[],
  maxEpochs: number,
): Promise<EarlyStopVerdict> {
  const { spec } = search;
  if (!spec.earlyStopping) return { stop: false };
  const score = curveScore(spec.evaluator.metric ?? spec.objectives[0]!.metric, selectionDirection(spec));
  const trials = await searchCurves.of(store, search);
  return earlyStopVerdict(spec.earlyStopping, { number: trialNumber, status: 'RUNNING', curve }, trials, score, maxEpochs);
}

/** What a child's training needs of its parent trial: the trained model to inherit, the loss to compare with. */
function parentOfRun(parent: TrialRecord): NonNullable<TrainingRun['parent']> {
  const validationLoss = parent.metrics?.validation_loss;
  return {
    trialNumber: parent.number,
    arch: parent.arch,
    ...(parent.modelKey ? { modelKey: parent.modelKey } : {}),
    ...(validationLoss === undefined ? {} : { validationLoss }),
  };
}

/**
 * AWS Batch started this attempt again after a Spot interruption: the reclaimed container's run goes into
 * `pastAttempts` (what it cost, counted by the hard cap; the claim below overwrites `startedAt`), ending one
 * heartbeat after its last sign of life. Past `budget.maxTrialAttempts` the trial fails here instead, with
 * the reason, and resolves 'gave-up'.
 */
async function closeReclaimedContainer(deps: RunTrialDeps, search: SearchRecord, trial: TrialRecord): Promise<Pick<TrialRecord, 'pastAttempts'> | 'gave-up'> {
  if (trial.status !== 'RUNNING' || !trial.startedAt) return {};
  const now = deps.clock();
  const lastSign = Date.parse(trial.heartbeatAt ?? trial.startedAt) + (deps.heartbeatSeconds ?? 30) * 1000;
  const pastAttempts = withClosedAttempt(trial, 'spot-reclaim', new Date(Math.min(now.getTime(), lastSign)));
  const verdict = attemptVerdict(trial, maxTrialAttemptsOf(search.spec), 'spot-reclaim');
  if (verdict.retry) return { pastAttempts };
  const { from, to } = TRIAL_TRANSITIONS.reject;
  const finished = now.toISOString();
  await deps.store.updateTrial(
    trial.tenantId,
    trial.searchId,
    trial.number,
    { status: to, error: verdict.error, pastAttempts, finishedAt: finished, updatedAt: finished },
    { attempt: trial.attempt, status: from },
  );
  return 'gave-up';
}

/** Failures that would repeat on every retry: the architecture, the spec, the user's dataset or training command is wrong. */
function isPermanent(error: unknown): error is Error {
  return error instanceof InvalidArchitecture || error instanceof InvalidRequest || error instanceof InvalidDataset || error instanceof TrainingCommandFailed;
}

async function runOf(deps: RunTrialDeps, search: SearchRecord, trial: TrialRecord): Promise<{ run?: TrainingRun }> {
  const run = await trainingRun(deps, search, trial);
  return run ? { run } : {};
}

/**
 * The body of a trial job, the same in an AWS Batch container and in the local pool: claim the trial
 * attempt, evaluate the architecture, record the outcome on the trial. Every write is conditional on the
 * attempt, so a superseded or duplicated job changes nothing.
 *
 * Resolves when the outcome is recorded (an architecture the evaluator rejects is recorded as a
 * non-retryable failure); rejects for failures worth retrying, which the queue reports as a failed job.
 */
export async function runTrialJob(deps: RunTrialDeps, job: TrialJob): Promise<void> {
  const { store, evaluator, clock } = deps;
  const search = await store.getSearch(job.tenantId, job.searchId);
  const trial = await store.getTrial(job.tenantId, job.searchId, job.trialNumber);
  if (!search || !trial || trial.attempt !== job.attempt || !isActiveTrial(trial.status)) return;

  const { attempt } = job;
  const claim = deps.reclaimRunning ? TRIAL_TRANSITIONS.reclaim : TRIAL_TRANSITIONS.claim;
  const started = clock().toISOString();
  const reclaimed = deps.reclaimRunning ? await closeReclaimedContainer(deps, search, trial) : {};
  if (reclaimed === 'gave-up') return;
  const claimed = await store.updateTrial(
    job.tenantId,
    job.searchId,
    job.trialNumber,
    { status: claim.to, startedAt: started, heartbeatAt: started, updatedAt: started, ...reclaimed },
    { attempt, status: claim.from },
  );
  if (!claimed) return;

  // Beats until the outcome is written; a write after a newer attempt took over fails its condition.
  const heartbeat = setInterval(() => {
    const now = clock().toISOString();
    store.updateTrial(job.tenantId, job.searchId, job.trialNumber, { heartbeatAt: now }, { attempt, status: TRIAL_TRANSITIONS.report.from }).catch(() => undefined);
  }, (deps.heartbeatSeconds ?? 30) * 1000);
  try {
    const wanted = searchMetrics(search.spec);
    const measured = await evaluator.evaluate({ ...evaluationTaskOf(search.spec, trial.arch), ...(await runOf(deps, search, trial)) });
    const { costSeconds } = measured;
    const metrics = { ...measured.metrics, ...architectureMetrics(search.spec, trial.arch, wanted) };
    if (deps.simulatedTimeScale > 0) {
      await new Promise((resolve) => setTimeout(resolve, costSeconds * deps.simulatedTimeScale * 1000));
    }
    const finished = clock().toISOString();
    const training = {
      ...(measured.backend ? { backend: measured.backend } : {}),
      ...(measured.gpu ? { gpu: measured.gpu } : {}),
      ...(measured.modelKey ? { modelKey: measured.modelKey } : {}),
      ...(measured.earlyStopped ? { earlyStopReason: measured.earlyStopped.reason } : {}),
      ...(measured.schedule ? { schedule: measured.schedule } : {}),
    };
    const outcome = measured.earlyStopped ? TRIAL_TRANSITIONS.stopEarly : TRIAL_TRANSITIONS.succeed;
    await store.updateTrial(
      job.tenantId,
      job.searchId,
      job.trialNumber,
      { status: outcome.to, metrics, costSeconds, ...training, finishedAt: finished, updatedAt: finished },
      { attempt, status: outcome.from },
    );
  } catch (error) {
    if (error instanceof AttemptSuperseded) return;
    const reject = async (cause: Error, retryable: boolean) => {
      const finished = clock().toISOString();
      const { from, to } = TRIAL_TRANSITIONS.reject;
      const patch = { status: to, error: { message: cause.message, retryable }, finishedAt: finished, updatedAt: finished };
      await store.updateTrial(job.tenantId, job.searchId, job.trialNumber, patch, { attempt, status: from });
    };
    if (error instanceof GpuUnavailable) {
      // Fail fast with the reason on the trial (another host may do better, hence retryable), and end the
      // container with an error, so Batch and its alarm count it too.
      await reject(error, true);
      throw error;
    }
    if (!isPermanent(error)) throw error;
    await reject(error, false);
  } finally {
    clearInterval(heartbeat);
  }
}
