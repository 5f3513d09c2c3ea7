/**
 * `npm run bench:search`: the search-quality benchmark. Runs every strategy on every task for many
 * seeds in worker threads, then reports the incumbent's reported metric (mean and 95% CI, and regret to
 * the known optimum) after 10..300 queries and within a simulated-time budget, plus how many queries
 * it takes to find the optimum when searching on the reported metric itself.
 *
 * Options: --seeds 100 --queries 300 --seconds 12000 --tasks a,b --strategies a,b --workers N --out DIR
 *          --tables DIR (where the choices-* tasks find their tables, built by `npm run bench:tables`;
 *          default $NAS_SUITE_TABLES or .cache/tables)
 *          --artifacts DIR (where `rl@<policy>` finds policies besides the shipped ones; `rl` alone runs the
 *          shipped default policy of each task's space)
 *          --versus STRATEGY (also report every other strategy minus this one, paired by seed)
 *          --first-seed N (seeds N..N+seeds-1: tuning on seeds apart from the reported ones; a list
 *          N,M,... runs --seeds seeds from each, one table over them all: sets reported apart, pooled)
 *          --warm-start N (every run is warm-started, `IdenticalTask`, from an earlier random search of N trials
 *          of its task, drawn apart from every run's seed; those N are not counted among its queries)
 *          --warm-start-seed S (the parent of run i draws from seed S + i; default 1000000)
 *          --resume (keep the runs already in DIR/runs.jsonl, which every finished run is appended to, and
 *          run only the missing ones: a long run that was stopped goes on where it stopped; same options)
 * A strategy may carry params as JSON: --strategies 'evolution,predictor-guided{"refitEvery":5}'.
 * Same options, same numbers: every run is seeded by its index.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SUITE_TABLES_DIR, DEFAULT_TASK_NAMES, TASK_NAMES, type TaskName } from '../../src/benchmarking/benchmark-tasks.js';
import { meanWithCi, type MeanWithCi } from '../../src/benchmarking/statistics.js';
import { readConfig } from '../../src/config.js';
import { getStrategy, STRATEGY_NAMES } from '../../src/strategies/registry.js';
import { AUTO_STRATEGY } from '../../src/search/names.js';
import { splitStrategies, strategyOf, type RunResult, type RunSpec, type WorkerInput } from './protocol.js';
import { lineChartGrid } from './svg-chart.js';
import { runInWorkers } from '../worker-pool.js';

const CHECKPOINTS = [10, 20, 50, 100, 150, 300];

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    'first-seed': { type: 'string', default: '0' },
    queries: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '12000' },
    tasks: { type: 'string', default: DEFAULT_TASK_NAMES.join(',') },
    tables: { type: 'string', default: process.env.NAS_SUITE_TABLES || DEFAULT_SUITE_TABLES_DIR },
    // The baselines by default; predictor-guided trains an ensemble every 10 queries, ~20-40 s a run.
    strategies: { type: 'string', default: 'random,random-walk,local-search,evolution' },
    workers: { type: 'string', default: String(cpus().length) },
    out: { type: 'string', default: join('bench-results', 'search') },
    artifacts: { type: 'string' },
    versus: { type: 'string' },
    resume: { type: 'boolean', default: false },
    'warm-start': { type: 'string', default: '0' },
    'warm-start-seed': { type: 'string', default: '1000000' },
  },
});

const seeds = Number(values.seeds);
const firstSeeds = values['first-seed'].split(',').map(Number);
if (firstSeeds.some((first) => !Number.isInteger(first))) throw new Error(`--first-seed takes an integer or a list of them, got '${values['first-seed']}'`);
const seedList = firstSeeds.flatMap((first) => Array.from({ length: seeds }, (_, i) => first + i));
if (new Set(seedList).size < seedList.length) throw new Error(`--first-seed ${values['first-seed']}: the sets of ${seeds} seeds overlap`);
const maxQueries = Number(values.queries);
const budgetSeconds = Number(values.seconds);
const warmStartTrials = Number(values['warm-start']);
if (!Number.isInteger(warmStartTrials) || warmStartTrials < 0) throw new Error(`--warm-start takes a number of trials, got '${values['warm-start']}'`);
const warmStartSeed = Number(values['warm-start-seed']);
if (!Number.isInteger(warmStartSeed)) throw new Error(`--warm-start-seed takes an integer, got '${values['warm-start-seed']}'`);
const tasks = values.tasks.split(',') as TaskName[];
const strategies = splitStrategies(values.strategies);
for (const task of tasks) if (!TASK_NAMES.includes(task)) throw new Error(`unknown task '${task}' (one of ${TASK_NAMES.join(', ')})`);
for (const s of strategies) {
  const { name, params } = strategyOf(s);
  if (name === AUTO_STRATEGY) continue;
  if (!(STRATEGY_NAMES as readonly string[]).includes(name)) throw new Error(`unknown strategy '${s}'`);
  // Bad params fail here, naming the variant, rather than in a worker minutes later.
  const parsed = getStrategy(name).params.safeParse(params);
  if (!parsed.success) throw new Error(`strategy '${s}': ${parsed.error.message}`);
}
if (values.versus !== undefined && !strategies.includes(values.versus)) throw new Error(`--versus ${values.versus} is not among --strategies`);

// Seed by seed, so that a benchmark stopped early has every strategy on its first seeds.
const wanted: RunSpec[] = seedList.flatMap((seed) =>
  tasks.flatMap((task) => strategies.map((strategy) => ({ task, strategy, seed }))),
);
const runKey = (run: RunSpec) => `${run.task}|${run.strategy}|${run.seed}`;
const wantedKeys = new Set(wanted.map(runKey));
// Finished runs are appended as they arrive, so that stopping a long benchmark loses only the runs in flight.
await mkdir(values.out, { recursive: true });
const runsFile = join(values.out, 'runs.jsonl');
const earlier = values.resume
  ? (await readFile(runsFile, 'utf8').catch(() => '')).split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as RunResult).filter((run) => wantedKeys.has(runKey(run)))
  : [];
if (!values.resume) await writeFile(runsFile, '');
const done = new Set(earlier.map(runKey));
const runs = wanted.filter((run) => !done.has(runKey(run)));
const workerCount = Math.max(1, Math.min(Number(values.workers), runs.length));
const started = performance.now();
let appended = Promise.resolve();

const fresh = await runInWorkers<RunSpec, RunResult>(
  new URL('./worker.ts', import.meta.url),
  runs,
  workerCount,
  {
    maxQueries,
    benchmarksDir: readConfig().benchmarksDir,
    tablesDir: values.tables,
    warmStartTrials,
    warmStartSeed,
    ...(values.artifacts === undefined ? {} : { artifactsDir: values.artifacts }),
  } satisfies Omit<WorkerInput, 'runs'>,
  (result) => (appended = appended.then(() => appendFile(runsFile, `${JSON.stringify(result)}\n`))),
);
await appended;
const results = [...earlier, ...fresh];
const elapsedSeconds = (performance.now() - started) / 1000;

/** The incumbent's reported value after `q` queries (the last one if the run ended earlier). */
const reportedAt = (run: RunResult, q: number) => run.reported[Math.min(q, run.reported.length) - 1]!;
/** The incumbent's reported value within the simulated time budget. */
const reportedWithin = (run: RunResult, seconds: number) => {
  const last = run.seconds.findLastIndex((s) => s <= seconds);
  return last >= 0 ? run.reported[last]! : Number.NaN;
};
const queriesToOptimum = (run: RunResult) => {
  const index = run.reported.findIndex((value) => value >= run.optimum!);
  return index >= 0 ? index + 1 : undefined;
};

interface Summary {
  task: TaskName;
  strategy: string;
  optimum?: number;
  atQueries: Record<number, MeanWithCi & { regret?: MeanWithCi }>;
  withinSeconds: MeanWithCi;
  queriesToOptimum: MeanWithCi & { reachedFraction: number };
}

const summaries: Summary[] = tasks.flatMap((task) =>
  strategies.map((strategy) => {
    const group = results.filter((r) => r.task === task && r.strategy === strategy);
    const optimum = group[0]?.optimum;
    const atQueries = Object.fromEntries(
      CHECKPOINTS.filter((q) => q <= maxQueries).map((q) => {
        const values = group.map((r) => reportedAt(r, q));
        return [q, { ...meanWithCi(values), ...(optimum === undefined ? {} : { regret: meanWithCi(values.map((v) => optimum - v)) }) }];
      }),
    );
    const reached = group.map(queriesToOptimum).filter((q): q is number => q !== undefined);
    return {
      task,
      strategy,
      ...(optimum === undefined ? {} : { optimum }),
      atQueries,
      withinSeconds: meanWithCi(group.map((r) => reportedWithin(r, budgetSeconds)).filter(Number.isFinite)),
      queriesToOptimum: { ...meanWithCi(reached), reachedFraction: reached.length / group.length },
    };
  }),
);

const checkpoints = CHECKPOINTS.filter((q) => q <= maxQueries);

const ceilingLines = tasks.flatMap((task) => {
  const run = results.find((r) => r.task === task && r.ceiling !== undefined);
  return run ? [`Validation-selected ceiling of ${task}: ${run.ceiling!.toFixed(2)}, what a search that finds the cell with the best search metric reports (the optimum of the reported metric is ${run.optimum!.toFixed(2)}; a search that stops at a worse cell by the search metric may report more or less).`] : [];
});
if (ceilingLines.length > 0) ceilingLines.push('');

/**
 * Each strategy minus the `--versus` one, seed by seed: run i of every strategy starts from the same seed
 * (the same first random architectures where both draw them), so the paired difference has a far
 * narrower interval than the two means side by side.
 */
interface PairedDifference {
  task: TaskName;
  strategy: string;
  versus: string;
  atQueries: Record<number, MeanWithCi>;
}
const versus = values.versus;
const paired: PairedDifference[] =
  versus === undefined
    ? []
    : tasks.flatMap((task) => {
        const bySeed = (strategy: string) => new Map(results.filter((r) => r.task === task && r.strategy === strategy).map((r) => [r.seed, r]));
        const baseline = bySeed(versus);
        return strategies
          .filter((strategy) => strategy !== versus)
          .map((strategy) => {
            const pairs = [...bySeed(strategy)].flatMap(([seed, run]) => (baseline.has(seed) ? [[run, baseline.get(seed)!] as const] : []));
            const atQueries = Object.fromEntries(checkpoints.map((q) => [q, meanWithCi(pairs.map(([run, base]) => reportedAt(run, q) - reportedAt(base, q)))]));
            return { task, strategy, versus, atQueries };
          });
      });

const fmt = (m: MeanWithCi, digits = 2) =>
  !Number.isFinite(m.mean) ? '-' : Number.isFinite(m.ci95) ? `${m.mean.toFixed(digits)} ± ${m.ci95.toFixed(digits)}` : m.mean.toFixed(digits);
const signed = (m: MeanWithCi) => `${m.mean >= 0 ? '+' : ''}${fmt(m)}${m.mean - m.ci95 > 0 ? ' *' : ''}`;
const markdown = [
  `# Search-quality benchmark`,
  '',
  `${seedList.length} seeds (${firstSeeds.map((first) => `${first}..${first + seeds - 1}`).join(', ')}) per strategy and task, up to ${maxQueries} queries, ${workerCount} worker threads, ${elapsedSeconds.toFixed(0)} s wall time${earlier.length > 0 ? ` (and ${earlier.length} runs kept from an earlier, resumed run)` : ''}.`,
  `Values: the reported metric of the incumbent (mean ± 95% CI); regret = known optimum − value.`,
  ...(warmStartTrials > 0 ? [`Every run warm-started (IdenticalTask) from an earlier random search of ${warmStartTrials} trials of its task (its own parent, drawn from seed ${warmStartSeed} + the run's seed), not counted among its queries.`] : []),
  '',
  `| task | strategy | ${checkpoints.map((q) => `@${q}`).join(' | ')} | regret @${checkpoints.at(-1)} | within ${budgetSeconds} s | queries to optimum (reached) |`,
  `| --- | --- | ${checkpoints.map(() => '---').join(' | ')} | --- | --- | --- |`,
  ...summaries.map((s) => {
    const last = s.atQueries[checkpoints.at(-1)!]!;
    return `| ${s.task} | ${s.strategy} | ${checkpoints.map((q) => fmt(s.atQueries[q]!)).join(' | ')} | ${last.regret ? fmt(last.regret, 3) : '-'} | ${fmt(s.withinSeconds)} | ${fmt(s.queriesToOptimum, 0)} (${(s.queriesToOptimum.reachedFraction * 100).toFixed(0)}%) |`;
  }),
  '',
  // Selecting by validation caps what any search can report below the optimum: say where, beside the rows.
  ...ceilingLines,
  ...(paired.length === 0
    ? []
    : [
        `Paired by seed: strategy minus ${versus} (mean ± 95% CI of the per-seed differences; * = the whole interval is above 0).`,
        '',
        `| task | strategy − ${versus} | ${checkpoints.map((q) => `@${q}`).join(' | ')} |`,
        `| --- | --- | ${checkpoints.map(() => '---').join(' | ')} |`,
        ...paired.map((p) => `| ${p.task} | ${p.strategy} | ${checkpoints.map((q) => signed(p.atQueries[q]!)).join(' | ')} |`),
        '',
      ]),
].join('\n');

const chart = lineChartGrid(
  tasks.map((task) => ({
    title: task,
    xLabel: 'queries',
    yLabel: 'reported metric of incumbent',
    series: summaries
      .filter((s) => s.task === task)
      .map((s) => ({ label: s.strategy, points: checkpoints.map((q) => ({ x: q, mean: s.atQueries[q]!.mean, ci95: s.atQueries[q]!.ci95 })) })),
  })),
);

await writeFile(
  join(values.out, 'results.json'),
  JSON.stringify({ config: { seeds, firstSeeds, maxQueries, budgetSeconds, tasks, strategies, versus, workers: workerCount, warmStartTrials, warmStartSeed }, elapsedSeconds, resumedRuns: earlier.length, summaries, paired, ceilings: ceilingLines }, null, 2),
);
await writeFile(join(values.out, 'results.md'), markdown);
await writeFile(join(values.out, 'results.svg'), chart);
console.log(markdown);
console.log(`wrote ${join(values.out, 'results.{json,md,svg}')}`);
