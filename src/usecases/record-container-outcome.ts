import { containerResult, observationOf, StdoutMetrics, type CurveStep } from '../evaluators/stdout-metrics.js';
import type { JobState } from '../jobs/job-queue.js';
import { architectureMetrics } from '../jobs/run-trial.js';
import { ARCHITECTURE_METRICS, searchMetrics } from '../search/metrics.js';
import type { EpochObservation, SearchRecord, TrialRecord } from '../search/records.js';
import { TRIAL_TRANSITIONS } from '../search/states.js';
import type { Store } from '../store/store.js';

/** One line a job wrote to its standard output, with when it was written. */
export interface JobLogLine {
  readonly message: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

/** Reads a job's standard output from its first line (CloudWatch Logs on AWS Batch: src/aws/cloudwatch-job-logs.ts). */
export interface JobLogReader {
  lines(logStream: string): AsyncIterable<JobLogLine>;
}

export interface ContainerOutcomeDeps {
  readonly store: Store;
  readonly logs: JobLogReader;
  readonly clock: () => Date;
}

/** Lines of output a failed trial keeps as its reason, as the local runner keeps of standard error. */
const OUTPUT_TAIL_LINES = 20;
const OUTPUT_TAIL_CHARS = 2000;

/**
 * Brings a `container` trial run on AWS Batch in line with its job. The user's image runs no code of ours,
 * so nothing else claims the trial or records its result: the job's RUNNING claims it (with Batch's
 * `startedAt`, from which spend and the hard cap count), and once the job has ended its output is read
 * with the search's `metricDefinitions`, exactly as the local runner reads the command's (`StdoutMetrics`),
 * and the trial ends SUCCEEDED with its metrics and curve, or FAILED with the job's reason and the last
 * lines of its output. Every write is conditional on the trial's status and attempt, so a replay (a
 * second tick, a duplicate event) changes nothing.
 *
 * Answers whether it changed the trial. Batch's own status replaces the heartbeat: a running container
 * trial is never silent, and the job's timeout bounds it.
 */
export async function followContainerJob(deps: ContainerOutcomeDeps, search: SearchRecord, trial: TrialRecord, job: JobState): Promise<boolean> {
  if (job.status !== 'RUNNING' && job.status !== 'SUCCEEDED' && job.status !== 'FAILED') return false;
  const ran = job.status !== 'FAILED' || job.startedAt !== undefined;
  const claimed = trial.status === 'PENDING' && ran && (await claim(deps, trial, job));
  if (job.status === 'RUNNING') return claimed;

  const output = await readOutput(deps.logs, search, job);
  // What its code reported over the API counts as printed.
  const reported = trial.curve ?? [];
  const curve = output.curve.length > 0 ? output.curve : reported;
  const final = containerResult(reported, output.metrics.final());
  const wanted = searchMetrics(search.spec).filter((metric) => !ARCHITECTURE_METRICS.includes(metric));
  const missing = wanted.filter((metric) => final[metric] === undefined);
  const now = deps.clock().toISOString();
  const { attempt } = trial;
  if (job.status === 'SUCCEEDED' && missing.length === 0) {
    const { from, to } = TRIAL_TRANSITIONS.succeed;
    const metrics = { ...final, ...architectureMetrics(search.spec, trial.arch, searchMetrics(search.spec)) };
    const costSeconds = secondsBetween(job.startedAt ?? trial.startedAt, job.stoppedAt ?? now);
    const patch = { status: to, metrics, curve, costSeconds, finishedAt: job.stoppedAt ?? now, updatedAt: now };
    return (await deps.store.updateTrial(trial.tenantId, trial.searchId, trial.number, patch, { status: from, attempt })) || claimed;
  }
  const why = job.status === 'FAILED' ? (job.reason ?? 'job failed') : `the command printed (or reported) no value of ${missing.join(', ')} (evaluator.metricDefinitions)`;
  const message = output.tail ? `${why}; its output ended with:\n${output.tail}` : why;
  const { from, to } = TRIAL_TRANSITIONS.failJob;
  // As locally, the user's command failing fails the trial for good; a job no capacity placed may do better later.
  const patch = { status: to, error: { message, retryable: job.code === 'CapacityUnavailable' }, curve, finishedAt: job.stoppedAt ?? now, updatedAt: now };
  return (await deps.store.updateTrial(trial.tenantId, trial.searchId, trial.number, patch, { status: from, attempt })) || claimed;
}

async function claim(deps: ContainerOutcomeDeps, trial: TrialRecord, job: JobState): Promise<boolean> {
  const now = deps.clock().toISOString();
  const { from, to } = TRIAL_TRANSITIONS.claim;
  return deps.store.updateTrial(trial.tenantId, trial.searchId, trial.number, { status: to, startedAt: job.startedAt ?? now, updatedAt: now }, { status: from, attempt: trial.attempt });
}

interface ReadOutput {
  readonly metrics: StdoutMetrics;
  readonly curve: EpochObservation[];
  readonly tail: string;
}

/** The job's output through the metric definitions: results, the curve by occurrence, and its last lines. */
async function readOutput(logs: JobLogReader, search: SearchRecord, job: JobState): Promise<ReadOutput> {
  const { evaluator } = search.spec;
  const metrics = new StdoutMetrics(evaluator.kind === 'container' ? evaluator.metricDefinitions : []);
  const steps = new Map<number, { step: CurveStep; timestamp: number }>();
  const last: string[] = [];
  // A job that never started (no capacity, an image it could not pull) has no stream.
  if (job.logStream) {
    for await (const line of logs.lines(job.logStream)) {
      for (const step of metrics.read(line.message)) steps.set(step.step, { step, timestamp: line.timestamp });
      last.push(line.message);
      if (last.length > OUTPUT_TAIL_LINES) last.shift();
    }
  }
  const started = job.startedAt ? Date.parse(job.startedAt) : undefined;
  const curve = [...steps.values()]
    .sort((a, b) => a.step.step - b.step.step)
    .map(({ step, timestamp }) => observationOf(step, started === undefined ? 0 : Math.max(0, (timestamp - started) / 1000)));
  return { metrics, curve, tail: last.join('\n').slice(-OUTPUT_TAIL_CHARS) };
}

function secondsBetween(from: string | undefined, to: string): number {
  return from === undefined ? 0 : Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}
