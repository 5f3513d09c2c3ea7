/**
 * `nas agent`: trains and lists RL search policies (like `nas admin`, it works on the service's storage, not
 * through the API). A training run is a job: in the local job pool by default, or on AWS Batch (`--on
 * batch`); runs, checkpoints and policies live in the artifact store (`NAS_ARTIFACTS`, by default
 * `$NAS_DATA_DIR/artifacts`), where searches with strategy `rl` find them.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { ulid } from 'ulid';
import { DirectoryArtifactStore } from '../artifacts/directory-artifact-store.js';
import { openArtifactStore, openTableShelf } from '../artifacts/open-artifact-store.js';
import { readConfig } from '../config.js';
import { InvalidRequest, Unavailable } from '../errors.js';
import type { AgentTrainingJob } from '../jobs/job-queue.js';
import { checkTrainingBenchmark, loadTableBenchmark, TRAINING_BENCHMARKS } from '../strategies/rl/benchmark-oracle.js';
import { BenchmarkCatalog } from '../evaluators/benchmarks.js';
import { shippedPolicies } from '../local/shipped-policies.js';
import { PolicyRegistry, type PolicyManifest } from '../strategies/rl/policy-registry.js';
import { TrainingOptionsSchema } from '../strategies/rl/training-options.js';
import { trainingKey } from '../strategies/rl/training-run.js';
import { AGENT_QUEUES, AgentJobFailed, followAgentTraining, lastSubmission, liveSubmission, openAgentQueue, submitAgentTraining, type AgentQueueKind } from './agent-job.js';

export const AGENT_USAGE = `usage: nas agent <train|stop|list> [options]

  train   train a search policy (Ape-X DQN) on a benchmark as a job, and follow it with a progress bar;
          resumes the run of the same name from its checkpoint after a kill
      --space nb201  --benchmark nb201  --metric cifar10_valid_12  [--name NAME]  [--steps N]  [--seed N]
      [--params JSON|@FILE]   more hyperparameters (see docs/strategies.md#rl), e.g. '{"learningRate":3e-4}'
      [--from POLICY]         fine-tune an existing policy of the space instead of starting fresh
      [--fresh]               discard an earlier checkpoint of this run
      [--on local|batch]      the local job pool (default: stops with this command) or AWS Batch (goes on
                              without it; run the same command again to follow it)
      [--publish-dir DIR]     copy the finished policy to DIR/<space>/<name>/ (e.g. the repo's policies/)
  stop    terminate the run's AWS Batch job        --space nb201 --name NAME
  list    list the policies of the data folder and the shipped ones   [--space nb201]`;

function option(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number)) throw new InvalidRequest(name, `--${name} must be a whole number, got '${value}'`);
  return number;
}

function describe(manifest: PolicyManifest, where: string): string {
  const score = manifest.score ? ` score ${manifest.score.value.toFixed(2)}` : '';
  return `${where.padEnd(8)} ${manifest.space}/${manifest.name}: ${manifest.benchmark} ${manifest.metric}, ${manifest.steps} steps, seed ${manifest.seed}, ${manifest.trainingSeconds.toFixed(0)} s${score}`;
}

/** `--params` given inline or as `@path/to/file.json`. */
async function jsonOption(raw: string | undefined): Promise<Record<string, unknown>> {
  if (raw === undefined) return {};
  try {
    return JSON.parse(raw.startsWith('@') ? await readFile(raw.slice(1), 'utf8') : raw);
  } catch (error) {
    throw new InvalidRequest('params', `--params must be JSON or @file.json: ${(error as Error).message}`);
  }
}

function jobFrom(values: Record<string, string | boolean | undefined>, params: Record<string, unknown>): AgentTrainingJob {
  const space = String(values.space ?? 'nb201');
  const benchmark = String(values.benchmark);
  const metric = String(values.metric);
  checkTrainingBenchmark(space, benchmark, metric);
  const steps = option(values.steps as string | undefined, 'steps');
  const seed = option(values.seed as string | undefined, 'seed');
  const options = { ...params, ...(steps === undefined ? {} : { steps }), ...(seed === undefined ? {} : { seed }) };
  // Refused here, before a job starts, with the hyperparameter that is wrong.
  const parsed = TrainingOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidRequest(`params.${issue.path.join('.')}`, `hyperparameter '${issue.path.join('.')}': ${issue.message}`);
  }
  return {
    kind: 'agent-training',
    runId: ulid(),
    space,
    name: String(values.name ?? `${benchmark}-${metric}`),
    benchmark,
    metric,
    options,
    ...(values.from === undefined ? {} : { fineTuneFrom: String(values.from) }),
    ...(values.fresh ? { fresh: true } : {}),
  };
}

function queueKind(value: string | boolean | undefined): AgentQueueKind {
  const kind = String(value ?? 'local');
  if (!(AGENT_QUEUES as readonly string[]).includes(kind)) throw new InvalidRequest('on', `--on must be ${AGENT_QUEUES.join(' or ')}, got '${kind}'`);
  return kind as AgentQueueKind;
}

async function train(values: Record<string, string | boolean | undefined>): Promise<number> {
  const config = readConfig();
  const artifacts = openArtifactStore(config.artifacts);
  const job = jobFrom(values, await jsonOption(values.params as string | undefined));
  // An imported table is checked here too (space, metric, rows), before a job starts.
  if (!(job.benchmark in TRAINING_BENCHMARKS)) await loadTableBenchmark(job.space, job.benchmark, job.metric, new BenchmarkCatalog(config.benchmarksDir, openTableShelf(config.tables)));
  const agentQueue = openAgentQueue(queueKind(values.on), config);
  const bar = new cliProgress.SingleBar(
    { format: 'train |{bar}| {value}/{total} steps | loss {loss} | greedy best {best} | {duration_formatted} (ETA {eta_formatted})', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  try {
    const live = await liveSubmission(artifacts, agentQueue, job.space, job.name);
    if (live && job.fresh) throw new InvalidRequest('fresh', `run '${job.name}' is training as job ${live.jobId}: stop it first (nas agent stop)`);
    const submission = live ?? (await submitAgentTraining(artifacts, agentQueue, job, new Date()));
    console.log(live ? `following run '${job.name}', already training as job ${live.jobId}` : `submitted run '${job.name}' as job ${submission.jobId} (${agentQueue.kind})`);
    let started = false;
    await followAgentTraining(artifacts, agentQueue, job, submission, (progress) => {
      if (!started) {
        if (progress.resumedFrom !== undefined) console.log(`resuming run '${job.name}' from step ${progress.resumedFrom}`);
        bar.start(progress.steps, progress.step, { loss: '-', best: '-' });
        started = true;
      }
      bar.update(progress.step, { loss: progress.loss?.toFixed(4) ?? '-', best: progress.greedyBest?.toFixed(2) ?? '-' });
    });
    bar.stop();
  } catch (error) {
    bar.stop();
    if (!(error instanceof AgentJobFailed)) throw error;
    console.error(`error: ${error.message}`);
    return 1;
  } finally {
    await agentQueue.close();
  }

  const { manifest, weights } = (await new PolicyRegistry(artifacts).get(job.space, job.name))!;
  if (values['publish-dir']) await new PolicyRegistry(new DirectoryArtifactStore(String(values['publish-dir'])), '').put(manifest, weights);
  console.log(describe(manifest, 'trained'));
  console.log(`policy: ${config.artifacts}/policies/${job.space}/${manifest.name}/  curve: ${config.artifacts}/${trainingKey(job.space, job.name, 'curve.jsonl')}`);
  console.log(`search with it: nas search --space ${job.space} --strategy rl --params '{"policy":"${manifest.name}"}' ...`);
  return 0;
}

async function stop(values: Record<string, string | boolean | undefined>): Promise<void> {
  const config = readConfig();
  const artifacts = openArtifactStore(config.artifacts);
  const space = String(values.space ?? 'nb201');
  const name = String(values.name ?? '');
  const submission = await lastSubmission(artifacts, space, name);
  if (!submission) throw new InvalidRequest('name', `run '${space}/${name}' was never submitted`);
  if (submission.on !== 'batch') throw new InvalidRequest('name', `run '${space}/${name}' ran in the local pool, which stops with its command`);
  const agentQueue = openAgentQueue('batch', config);
  await agentQueue.queue.terminate(submission.jobId, 'stopped with nas agent stop');
  console.log(`stopped job ${submission.jobId}; its last checkpoint stays, so train resumes from it`);
}

async function list(space: string | undefined): Promise<void> {
  const store = openArtifactStore(readConfig().artifacts);
  const own = await new PolicyRegistry(store).list(space);
  const shipped = await shippedPolicies().list(space);
  const lines = [...own.map((m) => describe(m, 'data')), ...shipped.map((m) => describe(m, 'shipped'))];
  console.log(lines.length > 0 ? lines.join('\n') : 'no policies yet: train one with nas agent train');
}

/** Runs `nas agent ...` with the arguments after `agent`; resolves the process exit code. */
export async function runAgentCommand(argv: readonly string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        space: { type: 'string' },
        benchmark: { type: 'string', default: 'nb201' },
        metric: { type: 'string', default: 'cifar10_valid_12' },
        name: { type: 'string' },
        steps: { type: 'string' },
        seed: { type: 'string' },
        params: { type: 'string' },
        from: { type: 'string' },
        fresh: { type: 'boolean', default: false },
        'publish-dir': { type: 'string' },
        on: { type: 'string', default: 'local' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const command = positionals[0];
    if (values.help || !command) {
      console.log(AGENT_USAGE);
      return 0;
    }
    if (command === 'train') return await train(values);
    if (command === 'stop') await stop(values);
    else if (command === 'list') await list(values.space);
    else throw new InvalidRequest('command', `unknown agent command '${command}'`);
    return 0;
  } catch (error) {
    if (error instanceof InvalidRequest || error instanceof Unavailable || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`error: ${(error as Error).message}\n\n${AGENT_USAGE}`);
      return 2;
    }
    throw error;
  }
}
