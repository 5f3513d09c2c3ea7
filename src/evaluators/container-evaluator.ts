import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONTAINER_TIMEOUT_SECONDS, type ContainerEvaluatorSpec } from '../search/container-spec.js';
import { TrainingCommandFailed } from '../errors.js';
import type { TrialAccess } from '../search/records.js';
import { resolveSpace } from '../spaces/registry.js';
import type { Evaluation, EvaluationTask, Evaluator, TrainingRun } from './evaluator.js';
import { containerResult, observationOf, StdoutMetrics } from './stdout-metrics.js';

export interface ContainerEvaluatorOptions {
  /** Where a trial's artifact prefix is, as a URI its command can write to: `file://...` locally, `s3://...` in the cloud. */
  readonly checkpointUri: (artifactPrefix: string) => string;
  /** Environment every command inherits besides the trial's own variables (`inheritedEnv`). @default none, not even PATH */
  readonly baseEnv?: NodeJS.ProcessEnv;
  /** How long a command may take to stop after SIGTERM before it is killed. @default 10 */
  readonly stopGraceSeconds?: number;
  /** The service's API as the command can reach it (`NAS_API_URL`), for reporting over HTTP; absent: stdout only. */
  readonly apiUrl?: string;
}

/**
 * What a command inherits of the job's environment: all of it (PATH, a virtualenv, CUDA settings) except
 * the service's own settings and credentials (`NAS_*`, `AWS_*`), which are the service's, not the trial's.
 */
export function inheritedEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^(NAS|AWS)_/.test(name)));
}

/** Lines of standard error a failed command's trial keeps as its reason. */
const STDERR_TAIL_LINES = 20;
const STDERR_TAIL_CHARS = 2000;

/** Every trial's command reads its work from these variables (docs/training.md, "Your own container"). */
export interface ContainerTrialEnv {
  /** The architecture as JSON (the space's `toJSON`). */
  readonly NAS_ARCH: string;
  /** A file holding the same JSON, for commands that prefer a path. */
  readonly NAS_ARCH_FILE: string;
  /** The architecture in the space's string form, as the API shows it. */
  readonly NAS_ARCH_STRING: string;
  readonly NAS_SEARCH: string;
  readonly NAS_TRIAL: string;
  /** The trial's own prefix under the tenant's artifacts: checkpoints written here survive a retry. */
  readonly NAS_CHECKPOINT_URI: string;
  /** Seeds the command's randomness: the same on every attempt of the trial. */
  readonly NAS_SEED: string;
  /** Where to report metrics over HTTP (the API's base URL), besides printing them. */
  readonly NAS_API_URL?: string;
  /** The lease the attempt's reports and completion present. */
  readonly NAS_LEASE_ID?: string;
  /** The attempt's credential (`Authorization: Bearer`): it reaches this trial's reports and completion only. */
  readonly NAS_TRIAL_TOKEN?: string;
}

/**
 * The `container` evaluator where the local service runs it: `command` as a child process of the trial job
 * (no image, no docker), with the trial in its environment. Standard output is read line by line by the
 * metric definitions: each curve step goes to the trial as it comes (and early stopping may end the
 * command there), the last value of each metric is the result. The command may also report over HTTP with
 * its trial token (`NAS_API_URL`, `NAS_LEASE_ID`, `NAS_TRIAL_TOKEN`), as external workers do: its reports
 * join the curve, and their last values count when it prints none. A command that exits non-zero, runs past
 * `timeoutSeconds` or leaves a metric neither printed nor reported fails its trial for good, with the end of its standard
 * error as the reason. Only built where the operator allows commands on the host (`NAS_CONTAINER_COMMANDS`).
 */
export function createContainerEvaluator(options: ContainerEvaluatorOptions): Evaluator<ContainerEvaluatorSpec> {
  return {
    async evaluate(task: EvaluationTask<ContainerEvaluatorSpec>): Promise<Evaluation> {
      const { run } = task;
      if (!run?.trial) throw new Error('the container evaluator runs inside a trial job: the task has no training run of a trial');
      const scratch = await mkdtemp(join(tmpdir(), 'nas-trial-'));
      const metrics = new StdoutMetrics(task.evaluator.metricDefinitions);
      let outcome: CommandOutcome;
      try {
        const env = await trialEnv(task, { ...run, trial: run.trial }, options.checkpointUri(run.artifactPrefix), scratch, options.apiUrl);
        outcome = await runCommand(task.evaluator, { ...options.baseEnv, ...env }, metrics, run, (options.stopGraceSeconds ?? 10) * 1000);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
      if (outcome.failure) throw new TrainingCommandFailed(outcome.failure);
      // What the command reported over the API (if it did) counts as printed.
      const reported = run.access && run.reportedCurve && metrics.missing(task.metrics).length > 0 ? await run.reportedCurve() : [];
      const result = containerResult(reported, metrics.final());
      const missing = task.metrics.filter((metric) => result[metric] === undefined);
      if (missing.length > 0 && !outcome.earlyStopped) {
        throw new TrainingCommandFailed(`the command printed (or reported) no value of ${missing.join(', ')} (evaluator.metricDefinitions)`);
      }
      return { metrics: result, costSeconds: outcome.seconds, ...(outcome.earlyStopped ? { earlyStopped: outcome.earlyStopped } : {}) };
    },
  };
}

/** What a trial's variables are made from: the same locally (a child process) and on AWS Batch (the user's image). */
export interface ContainerTrialFacts {
  readonly space: string;
  readonly spaceConfig?: unknown;
  readonly arch: string;
  readonly searchId: string;
  readonly trialNumber: number;
  readonly seed: number;
  readonly checkpointUri: string;
  /** Where and with what the command may report over HTTP; absent: it reports by printing only. */
  readonly reporting?: { readonly apiUrl: string; readonly access: TrialAccess };
}

/**
 * The trial's variables but `NAS_ARCH_FILE`, which needs a file on the command's own filesystem: the local
 * runner writes one; on AWS Batch no code of ours runs in the image to write it, so there the contract is `NAS_ARCH`.
 */
export function containerTrialVariables(facts: ContainerTrialFacts): Omit<ContainerTrialEnv, 'NAS_ARCH_FILE'> {
  const space = resolveSpace(facts.space, facts.spaceConfig);
  return {
    NAS_ARCH: JSON.stringify(space.toJSON(space.parse(facts.arch))),
    NAS_ARCH_STRING: facts.arch,
    NAS_SEARCH: facts.searchId,
    NAS_TRIAL: String(facts.trialNumber),
    NAS_CHECKPOINT_URI: facts.checkpointUri,
    NAS_SEED: String(facts.seed),
    ...(facts.reporting
      ? { NAS_API_URL: facts.reporting.apiUrl, NAS_LEASE_ID: facts.reporting.access.leaseId, NAS_TRIAL_TOKEN: facts.reporting.access.token }
      : {}),
  };
}

/** The trial's variables; the architecture file (in `scratch`) and a local checkpoint folder are made first. */
async function trialEnv(
  task: EvaluationTask<ContainerEvaluatorSpec>,
  run: Pick<TrainingRun, 'seed' | 'access'> & Required<Pick<TrainingRun, 'trial'>>,
  checkpointUri: string,
  scratch: string,
  apiUrl: string | undefined,
): Promise<ContainerTrialEnv> {
  const reporting = apiUrl && run.access ? { reporting: { apiUrl, access: run.access } } : {};
  const variables = containerTrialVariables({ ...task, searchId: run.trial.searchId, trialNumber: run.trial.number, seed: run.seed, checkpointUri, ...reporting });
  if (checkpointUri.startsWith('file:')) await mkdir(fileURLToPath(checkpointUri), { recursive: true });
  const archFile = join(scratch, 'arch.json');
  await writeFile(archFile, variables.NAS_ARCH);
  return { ...variables, NAS_ARCH_FILE: archFile };
}

interface CommandOutcome {
  readonly seconds: number;
  readonly failure?: string;
  readonly earlyStopped?: { readonly epoch: number; readonly reason: string };
}

/** Runs the command to its end, feeding its output to `metrics` and each curve step to the trial. */
function runCommand(
  evaluator: ContainerEvaluatorSpec,
  env: NodeJS.ProcessEnv,
  metrics: StdoutMetrics,
  run: TrainingRun,
  graceMs: number,
): Promise<CommandOutcome> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const [file, ...args] = evaluator.command;
  const child = spawn(file!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // The job's process may exit without reaching `finally` (its pool went away): the command goes with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stderr = tail(child);
  let stopped: CommandOutcome['earlyStopped'] | undefined;
  let failure: string | undefined;
  let reports = Promise.resolve();
  let reportError: unknown;
  let lastReported = 0;

  const stop = () => {
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const steps = metrics.read(line).filter((step) => step.step >= lastReported);
    if (steps.length === 0) return;
    lastReported = steps.at(-1)!.step;
    // Reports go in order, one at a time; the first stop verdict (or a superseded attempt) ends the command.
    reports = reports.then(async () => {
      for (const step of steps) {
        if (stopped || failure) return;
        const verdict = await run.reportEpoch(observationOf(step, seconds()));
        if (verdict.stop) {
          stopped = { epoch: step.step, reason: verdict.reason };
          stop();
        }
      }
    }).catch((error: unknown) => {
      // The attempt was superseded (or the store failed): stop, and let the job's own handling decide.
      reportError ??= error;
      stop();
    });
  });
  const timeoutSeconds = evaluator.timeoutSeconds ?? DEFAULT_CONTAINER_TIMEOUT_SECONDS;
  const timer = setTimeout(() => {
    failure = `the command ran past timeoutSeconds (${timeoutSeconds} s) and was stopped`;
    stop();
  }, timeoutSeconds * 1000);

  return new Promise<CommandOutcome>((resolve, reject) => {
    child.once('error', (error) => {
      failure ??= `the command could not start: ${error.message}`;
    });
    child.once('close', async (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', killOnExit);
      await reports;
      if (reportError !== undefined) return reject(reportError);
      if (stopped) return resolve({ seconds: seconds(), earlyStopped: stopped });
      if (!failure && code !== 0) failure = `the command exited with ${signal ?? `code ${code}`}`;
      resolve({ seconds: seconds(), ...(failure ? { failure: withStderr(failure, stderr()) } : {}) });
    });
  });
}

/** The last lines the command wrote to standard error. */
function tail(child: ChildProcess): () => string {
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    lines.push(line);
    if (lines.length > STDERR_TAIL_LINES) lines.shift();
  });
  return () => lines.join('\n').slice(-STDERR_TAIL_CHARS);
}

function withStderr(failure: string, stderr: string): string {
  return stderr ? `${failure}; its standard error ended with:\n${stderr}` : failure;
}
