/**
 * `nas agent`: trains and lists RL search policies on this machine (like `nas serve`, it does not talk to
 * the API). Runs, checkpoints and policies live in the service's artifact store (`NAS_ARTIFACTS`, by default
 * `$NAS_DATA_DIR/artifacts`), where searches with strategy `rl` find them.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { DirectoryArtifactStore } from '../artifacts/directory-artifact-store.js';
import { openArtifactStore } from '../artifacts/open-artifact-store.js';
import { readConfig } from '../config.js';
import { InvalidRequest, Unavailable } from '../errors.js';
import { PolicyRegistry, shippedPolicies, type PolicyManifest } from '../strategies/rl/policy-registry.js';
import { chooseBackend } from '../training/backend.js';
import { runTraining, trainingKey } from '../strategies/rl/training-run.js';

export const AGENT_USAGE = `usage: nas agent <train|list> [options]

  train   train a search policy (Ape-X DQN) on a benchmark; resumes the run of the same name after a kill
      --space nb201  --benchmark nb201  --metric cifar10_valid_12  [--name NAME]  [--steps N]  [--seed N]
      [--params JSON|@FILE]   more hyperparameters (see docs/strategies.md#rl), e.g. '{"learningRate":3e-4}'
      [--from POLICY]         fine-tune an existing policy of the space instead of starting fresh
      [--fresh]               discard an earlier checkpoint of this run
      [--publish-dir DIR]     publish the policy to DIR/<space>/<name>/ (e.g. the repo's policies/) as well
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

async function train(values: Record<string, string | boolean | undefined>): Promise<void> {
  const config = readConfig();
  const store = openArtifactStore(config.artifacts);
  const space = String(values.space ?? 'nb201');
  const name = String(values.name ?? `${values.benchmark}-${values.metric}`);
  const params = await jsonOption(values.params as string | undefined);
  const steps = option(values.steps as string | undefined, 'steps');
  const seed = option(values.seed as string | undefined, 'seed');
  const options = { ...params, ...(steps === undefined ? {} : { steps }), ...(seed === undefined ? {} : { seed }) };
  // The fastest backend here (WASM without the native packages): learner steps are 4x faster than on the CPU one.
  await chooseBackend();

  const bar = new cliProgress.SingleBar(
    { format: 'train |{bar}| {value}/{total} steps | loss {loss} | greedy best {best} | {duration_formatted} (ETA {eta_formatted})', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const result = await runTraining({
    store,
    benchmarksDir: config.benchmarksDir,
    name,
    space,
    benchmark: String(values.benchmark),
    metric: String(values.metric),
    options,
    ...(values.from === undefined ? {} : { fineTuneFrom: String(values.from) }),
    fresh: Boolean(values.fresh),
    ...(values['publish-dir'] ? { alsoPublishTo: new PolicyRegistry(new DirectoryArtifactStore(String(values['publish-dir'])), '') } : {}),
    hooks: {
      onStart: ({ resumedFrom, steps: total }) => {
        if (resumedFrom !== undefined) console.log(`resuming run '${name}' from step ${resumedFrom}`);
        bar.start(total, resumedFrom ?? 0, { loss: '-', best: '-' });
      },
      onStep: (step, { loss, greedyEpisodeBest }) => bar.update(step, { loss: loss.toFixed(4), best: greedyEpisodeBest?.toFixed(2) ?? '-' }),
    },
  });
  bar.stop();
  const { manifest } = result;
  console.log(describe(manifest, 'trained'));
  console.log(`policy: ${config.artifacts}/policies/${space}/${manifest.name}/  curve: ${config.artifacts}/${trainingKey(space, name, 'curve.jsonl')}`);
  console.log(`search with it: nas search --space ${space} --strategy rl --params '{"policy":"${manifest.name}"}' ...`);
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
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const command = positionals[0];
    if (values.help || !command) {
      console.log(AGENT_USAGE);
      return 0;
    }
    if (command === 'train') await train(values);
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
