/**
 * `nas`: the command line of serverless-nas. It talks to the HTTP API (`--url`, `NAS_URL`, default
 * http://127.0.0.1:8080) except for `nas serve`, which starts the local service itself.
 *
 * `runCli` is the command without a process of its own (src/cli/main.ts gives it one), so tests run it in
 * theirs instead of starting a process per case.
 */
import { Console } from 'node:console';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { API_KEY_FILE } from '../local/local-api-key.js';
import { readConfig } from '../config.js';
import { InvalidTable, Unavailable } from '../errors.js';
import type { SearchSpecInput } from '../search/spec.js';
import { ApiError, createClient, type NasClient, ServiceUnreachable } from '../client/index.js';
import { DATASETS_USAGE, runDatasetsCommand } from './datasets.js';
import { exportModel } from './export.js';
import { followSearch } from './follow.js';
import { PREDICT_USAGE, predictionRequest, predictionsText, predictorsTable } from './predict.js';
import { searchesTable, searchStarted, searchSummary, trialsTable } from './format.js';
import { UsageError } from './usage-error.js';

/**
 * Where a run of `nas` writes and what it reads its settings from. `nas serve` and `nas agent` print through
 * the process's own console (src/local/main.ts and src/cli/agent.ts do their own printing), and `nas predict
 * --file -` reads the process's standard input.
 */
export interface CliIo {
  /** Results: text, or JSON with --json. */
  readonly stdout: NodeJS.WritableStream;
  /** Errors, notes and the progress of --follow (a live bar where this is a terminal). */
  readonly stderr: NodeJS.WritableStream;
  /** NAS_URL, NAS_API_KEY and the service's settings (readConfig). */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The help text. Its admin and backup parts come with those commands' modules, which load the AWS SDK and
 * zod (about 0.6 s of a 1.4 s start on 2 cores): the other commands load them only to print this.
 */
async function usage(): Promise<string> {
  const [{ ADMIN_USAGE }, { BACKUP_USAGE }] = await Promise.all([import('./admin.js'), import('./backup.js')]);
  return `usage: nas <command> [options]

commands:
  serve                         start the local service (API, controller, job pool, embedded DynamoDB)
  search [options]              start a search
      --space nb201  --benchmark nb201  --metric cifar10_test_200  [--direction maximize|minimize]
      [--strategy auto]  --trials 100  [--parallel 8]  [--seed 7]  [--max-failed N]  [--max-runtime SECONDS]
      [--epochs N]  [--space-config JSON|@FILE]  [--params JSON]  [--name TEXT]  [--follow]
      [--objective METRIC:max|min ...]   several objectives (replaces --metric/--direction; e.g. for nsga2)
      real training instead of a benchmark (docs/training.md):
      --dataset mnist  [--dataset-options JSON]  [--model JSON]  [--epochs 10]  [--batch-size 64]
      [--optimizer adam|sgd|rmsprop]  [--lr 0.001]  [--lr-schedule constant|cosine|step]  [--early-stopping median|asha]
  searches                      list searches, newest first
  show <search-id>              a search's status, counters and best trial
  trials <search-id>            a search's trials
  best <search-id>              a search's best trial
  pareto <search-id>            the Pareto front over all objectives and its hypervolume
  stop <search-id>              stop a search (running trials are killed)
  catalog                       spaces, strategies and benchmarks (with their metrics) to choose from
  export <search-id> <trial> [--out DIR]
                                download a trained trial's model (model.json + weights.bin), architecture and recipe
${PREDICT_USAGE}
${DATASETS_USAGE}
  check-table <name> [--duplicates refuse|first|mean]
                                validate the imported table <name>/ under $NAS_TABLES (<benchmarks>/tables) and list every problem;
                                rows with the same architecture are refused unless the manifest (or --duplicates) keeps the first or the mean
  agent train|stop|list [options]
                                train RL search policies as jobs (local pool or AWS Batch), stop, list (nas agent --help)
${ADMIN_USAGE}
${BACKUP_USAGE}

options for every command:
  --url URL                     the service (default: $NAS_URL or http://127.0.0.1:8080)
  --api-key KEY                 your API key (default: $NAS_API_KEY, or the local service's .nas-data/api-key)
  --json                        print JSON instead of text
  -h, --help                    this help`;
}

/** Every command's options (`nas agent` has its own); `Values` is what they parse into. */
function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'api-key': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      space: { type: 'string' },
      benchmark: { type: 'string', default: 'nb201' },
      metric: { type: 'string' },
      direction: { type: 'string', default: 'maximize' },
      // `auto`: the service picks from what bench:search measured, and says which (nas show).
      strategy: { type: 'string', default: 'auto' },
      trials: { type: 'string', default: '100' },
      parallel: { type: 'string', default: '1' },
      seed: { type: 'string' },
      'max-failed': { type: 'string' },
      duplicates: { type: 'string' },
      'max-runtime': { type: 'string' },
      name: { type: 'string' },
      epochs: { type: 'string' },
      dataset: { type: 'string' },
      'dataset-options': { type: 'string' },
      model: { type: 'string' },
      'batch-size': { type: 'string' },
      optimizer: { type: 'string' },
      lr: { type: 'string' },
      'lr-schedule': { type: 'string' },
      'early-stopping': { type: 'string' },
      out: { type: 'string' },
      'space-config': { type: 'string' },
      params: { type: 'string' },
      objective: { type: 'string', multiple: true },
      follow: { type: 'boolean', default: false },
      evaluator: { type: 'string' },
      file: { type: 'string' },
      tenant: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

/** The key: --api-key, NAS_API_KEY, or the local service's own key file on this machine. */
function apiKey(values: Values, env: NodeJS.ProcessEnv): string | undefined {
  if (values['api-key']) return values['api-key'];
  if (env.NAS_API_KEY) return env.NAS_API_KEY;
  try {
    return readFileSync(join(readConfig(env).dataDir, API_KEY_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function integer(option: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new UsageError(`--${option} must be a whole number, got '${raw}'`);
  return value;
}

/** A JSON option given inline or as `@path/to/file.json`. */
function jsonOption(option: string, raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw);
  } catch (error) {
    throw new UsageError(`--${option} must be JSON or @file.json: ${(error as Error).message}`);
  }
}

function searchSpecFromOptions(values: Values): SearchSpecInput {
  const epochs = integer('epochs', values.epochs);
  const spaceConfig = jsonOption('space-config', values['space-config']);
  const params = jsonOption('params', values.params) as Record<string, unknown> | undefined;
  const maxFailedTrialCount = integer('max-failed', values['max-failed']);
  const training = values.dataset !== undefined;
  const metric = values.metric ?? (training ? 'validation_accuracy' : 'cifar10_test_200');
  const objectives = (values.objective ?? [`${metric}:${values.direction}`]).map((text) => {
    const [metric, direction] = text.split(':');
    const full = { max: 'maximize', min: 'minimize', maximize: 'maximize', minimize: 'minimize' }[direction ?? ''];
    if (!metric || !full) throw new UsageError(`--objective takes METRIC:max or METRIC:min, got '${text}'`);
    return { metric, direction: full as 'maximize' | 'minimize' };
  });
  const maxRuntimeSeconds = values['max-runtime'] === undefined ? undefined : Number(values['max-runtime']);
  const seed = integer('seed', values.seed);
  return {
    ...(values.name ? { name: values.name } : {}),
    space: (values.space ?? 'nb201') as SearchSpecInput['space'],
    ...(spaceConfig === undefined ? {} : { spaceConfig }),
    objectives,
    strategy: { name: values.strategy as NonNullable<SearchSpecInput['strategy']>['name'], ...(params ? { params } : {}) },
    evaluator: training
      ? trainEvaluatorFromOptions(values, objectives[0]!.metric, epochs)
      : { kind: 'benchmark', benchmark: values.benchmark!, metric: objectives[0]!.metric, ...(epochs === undefined ? {} : { fidelity: { epochs } }) },
    ...(values['early-stopping'] ? { earlyStopping: { algorithm: values['early-stopping'] as 'median' | 'asha' } } : {}),
    budget: {
      maxTrialCount: integer('trials', values.trials)!,
      parallelTrialCount: integer('parallel', values.parallel)!,
      ...(maxFailedTrialCount === undefined ? {} : { maxFailedTrialCount }),
      ...(maxRuntimeSeconds === undefined ? {} : { maxRuntimeSeconds }),
    },
    ...(seed === undefined ? {} : { seed }),
  };
}

/** The `train` evaluator from --dataset and the schedule options; the API validates every value. */
function trainEvaluatorFromOptions(values: Values, metric: string, epochs: number | undefined): SearchSpecInput['evaluator'] {
  const learningRate = values.lr === undefined ? undefined : Number(values.lr);
  const batchSize = integer('batch-size', values['batch-size']);
  const schedule = {
    ...(epochs === undefined ? {} : { epochs }),
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(learningRate === undefined ? {} : { learningRate }),
    ...(values.optimizer ? { optimizer: values.optimizer as 'adam' } : {}),
    ...(values['lr-schedule'] ? { learningRateSchedule: values['lr-schedule'] as 'constant' } : {}),
  };
  const datasetOptions = jsonOption('dataset-options', values['dataset-options']) as Record<string, unknown> | undefined;
  const model = jsonOption('model', values.model) as Record<string, number> | undefined;
  return {
    kind: 'train',
    dataset: values.dataset!,
    metric,
    schedule,
    ...(datasetOptions ? { datasetOptions } : {}),
    ...(model ? { model } : {}),
  };
}

function searchId(positionals: readonly string[]): string {
  const id = positionals[1];
  if (!id) throw new UsageError(`'nas ${positionals[0]}' needs a search id: nas ${positionals[0]} <search-id> (see 'nas searches')`);
  return id;
}

/** One run's parsed command line, its client of the API and where it writes. */
interface Invocation {
  readonly values: Values;
  readonly positionals: readonly string[];
  readonly client: NasClient;
  readonly io: CliIo;
  /** console.log and console.error as `nas` has always printed, on the run's own streams. */
  readonly out: Console;
}

async function run({ values, positionals, client, io, out }: Invocation): Promise<void> {
  const print = (text: string, data: unknown) => out.log(values.json ? JSON.stringify(data, null, 2) : text);
  const command = positionals[0];
  if (values.help || !command) {
    out.log(await usage());
    return;
  }
  switch (command) {
    case 'serve':
      await import('../local/main.js');
      return;
    case 'search': {
      const created = await client.createSearch(searchSpecFromOptions(values));
      if (!values.follow) return print(`${searchStarted(created)}\nfollow it with: nas show ${created.id}`, created);
      if (!values.json) out.log(searchStarted(created));
      // followSearch draws its bar only on a terminal (isTTY, as process.stderr has where it is one, with the
      // cursor methods the bar needs); on any other stream it only calls write.
      const finished = await followSearch(client, created.id, io.stderr as NodeJS.WriteStream);
      return print(searchSummary(finished), finished);
    }
    case 'searches': {
      const page = await client.listSearches();
      return print(page.items.length ? searchesTable(page.items) : 'no searches yet: start one with nas search', page.items);
    }
    case 'show': {
      const search = await client.getSearch(searchId(positionals));
      return print(searchSummary(search), search);
    }
    case 'trials': {
      const trials = await client.allTrials(searchId(positionals));
      return print(trialsTable(trials), trials);
    }
    case 'best': {
      const trial = await client.bestTrial(searchId(positionals));
      return print(trialsTable([trial]), trial);
    }
    case 'pareto': {
      const front = await client.pareto(searchId(positionals));
      const header = front.objectives.map((o) => `${o.metric} (${o.direction})`).join(' x ');
      const text = [
        `Pareto front over ${header}: ${front.items.length} trials`,
        `hypervolume ${front.hypervolume.toPrecision(6)} (reference point ${front.referencePoint.join(', ')})`,
        trialsTable(front.items),
      ].join('\n');
      return print(text, front);
    }
    case 'stop': {
      const search = await client.stopSearch(searchId(positionals));
      return print(`stopping search ${search.id}`, search);
    }
    case 'catalog': {
      const catalog = await client.catalog();
      const text = [
        'spaces:',
        ...catalog.spaces.map((s) => `  ${s.name.padEnd(12)} ${s.description}${s.needsSpaceConfig ? ' (needs --space-config)' : ''}`),
        'strategies:',
        ...catalog.strategies.map((s) => `  ${s.name.padEnd(12)} ${s.description}`),
        'benchmarks:',
        ...catalog.benchmarks.map((b) => `  ${b.name.padEnd(12)} ${b.description}\n  ${''.padEnd(12)} spaces: ${b.spaces.join(', ')}; metrics: ${b.metrics.join(', ')}`),
      ].join('\n');
      return print(text, catalog);
    }
    case 'export': {
      const trial = integer('trial', positionals[2]);
      if (trial === undefined) throw new UsageError("'nas export' needs a search id and a trial number: nas export <search-id> <trial> [--out DIR]");
      const folder = values.out ?? `${searchId(positionals)}-trial-${trial}`;
      const exported = await exportModel(client, searchId(positionals), trial, folder);
      print(`exported trial ${trial} to ${folder}/ (load with tf.loadLayersModel('file://${folder}/model.json'))`, exported);
      return;
    }
    case 'predict': {
      const request = await predictionRequest({
        space: values.space,
        spaceConfig: jsonOption('space-config', values['space-config']),
        evaluator: jsonOption('evaluator', values.evaluator),
        metric: values.metric,
        file: values.file,
        architectures: positionals.slice(1),
      });
      const response = await client.predict(request);
      return print(predictionsText(request.metric, response), response);
    }
    case 'predictors': {
      const list = await client.predictors(values.space as SearchSpecInput['space'] | undefined);
      return print(predictorsTable(list), list);
    }
    case 'check-table': {
      const name = positionals[1];
      if (!name) throw new UsageError("'nas check-table' needs a table name: the folder under $NAS_TABLES (<benchmarks>/tables)");
      const duplicates = values.duplicates;
      if (duplicates !== undefined && !['refuse', 'first', 'mean'].includes(duplicates)) throw new UsageError(`--duplicates takes refuse, first or mean, got '${duplicates}'`);
      // The table loader, its artifact stores and the spaces (about 0.2 s to load) serve this command alone.
      const [{ openTableShelf }, { loadImportedTable }, { resolveSpace }] = await Promise.all([
        import('../artifacts/open-artifact-store.js'),
        import('../evaluators/imported-table.js'),
        import('../spaces/registry.js'),
      ]);
      const table = await loadImportedTable(openTableShelf(readConfig(io.env).tables), name, resolveSpace, duplicates as 'refuse' | 'first' | 'mean' | undefined);
      const merged = table.duplicateRows > 0 ? ` (${table.duplicateRows} duplicate rows ${table.manifest.duplicates === 'mean' ? 'averaged in' : 'dropped'}; searches follow the manifest's "duplicates": set it to "${table.manifest.duplicates}")` : '';
      return print(`table '${name}' is valid: ${table.size} ${table.manifest.space} architectures${merged}, metrics ${table.manifest.metrics.join(', ')}`, {
        name,
        size: table.size,
        duplicateRows: table.duplicateRows,
        manifest: table.manifest,
      });
    }
    case 'admin': {
      // Loaded for its own command only (see usage()).
      const { adminStore, runAdmin } = await import('./admin.js');
      const result = await runAdmin(positionals[1], { tenant: values.tenant, name: values.name, id: positionals[2] }, adminStore(io.env), new Date());
      if (result.note && !values.json) out.error(result.note);
      return print(result.text, result.data);
    }
    case 'datasets': {
      const result = await runDatasetsCommand(client, positionals[1], positionals[2], { ...(values.name ? { name: values.name } : {}) });
      return print(result.text, result.data);
    }
    case 'backup':
    case 'restore': {
      // Loaded for its own commands only (see usage()).
      const { runBackupCommand } = await import('./backup.js');
      const result = await runBackupCommand(command, positionals[1], { force: values.force }, readConfig(io.env), new Date());
      return print(result.text, result.data);
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

/** What `nas` says of a failed command; resolves its exit status: 2 for a mistake in the command line, 1 for any other. */
async function failed(error: unknown, out: Console): Promise<number> {
  if (error instanceof UsageError) {
    out.error(`error: ${error.message}\n\n${await usage()}`);
    return 2;
  }
  if (error instanceof ApiError) {
    out.error(`error: ${error.problem.title ?? 'request failed'} (HTTP ${error.status})`);
    for (const { field, message } of error.problem.errors ?? []) out.error(`  ${field}: ${message}`);
    if (error.status === 401) out.error('  pass --api-key or set NAS_API_KEY (the local service prints its key at start)');
    if (!error.problem.errors?.length && error.problem.detail) out.error(`  ${error.problem.detail}`);
  } else if (error instanceof InvalidTable || error instanceof Unavailable) {
    out.error(`error: ${error.message}`);
  } else if (error instanceof ServiceUnreachable) {
    out.error(`error: ${error.message}: start it with 'npm start' (or 'nas serve'), or point NAS_URL / --url at it`);
  } else {
    out.error(error);
  }
  return 1;
}

/**
 * Runs `nas` with the arguments after the command name (`process.argv.slice(2)`); resolves its exit status:
 * 0, 1 when the command failed, 2 when the command line is wrong.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // `nas agent` has options of its own and runs locally (src/cli/agent.ts).
  if (argv[0] === 'agent') return (await import('./agent.js')).runAgentCommand(argv.slice(1));
  const out = new Console({ stdout: io.stdout, stderr: io.stderr });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    out.error(`${(error as Error).message}\n\n${await usage()}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const client = createClient({ baseUrl: values.url ?? io.env.NAS_URL ?? 'http://127.0.0.1:8080', apiKey: apiKey(values, io.env) });
  try {
    await run({ values, positionals, client, io, out });
    return 0;
  } catch (error) {
    return failed(error, out);
  }
}
