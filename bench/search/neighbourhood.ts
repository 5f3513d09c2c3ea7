/**
 * `npm run bench:neighbourhood`: how well predictors rank the unseen one-edit neighbours of a warm-started
 * search's incumbent, which is what decides how fast predictor-guided search climbs once it is near the top
 * (docs/strategies.md, "NB301 from an earlier search"). For each seed: a random parent of --warm-start trials
 * drawn as `bench:search --warm-start` draws it (seed --warm-start-seed + the seed), then --queries queries of
 * --strategy from it; then every unseen neighbour of the incumbent is measured, and each predictor variant,
 * fit to the whole history as predictor-guided fits it, is scored on them: Spearman between prediction and
 * answer, and how many of the 10 it ranks highest beat the incumbent.
 *
 * Options: --task nb301 --strategy 'predictor-guided{...}' --queries 50 --warm-start 1000
 *          --warm-start-seed 1000000 --seeds 8 --first-seed 100
 *          --predictors '{};{"epochs":60}' (predictor options, `;` between variants; "encoding" picks the encoding,
 *          "residualCorrection" adds predictor-guided's correction, e.g. '{"residualCorrection":{}}')
 *          --out DIR
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { DEFAULT_SUITE_TABLES_DIR, loadBenchmarkTask, TASK_NAMES, type TaskName } from '../../src/benchmarking/benchmark-tasks.js';
import { simulateSearch } from '../../src/benchmarking/simulate-search.js';
import { meanWithCi, type MeanWithCi } from '../../src/benchmarking/statistics.js';
import { readConfig } from '../../src/config.js';
import type { PredictorOptions } from '../../src/predictors/predictor-options.js';
import { trainPredictor } from '../../src/predictors/predictor.js';
import { correctNearTheBest, ResidualCorrectionSchema, type ResidualCorrectionOptions } from '../../src/predictors/residual-correction.js';
import { spearman } from '../../src/predictors/rank-correlation.js';
import type { EncodingKind } from '../../src/spaces/space.js';
import { getStrategy } from '../../src/strategies/registry.js';
import { strategyOf } from './protocol.js';
import { randomParentTrials } from './random-parent.js';

/** The first choice for warm-started NB301 searches: `auto`'s parameters without the residual correction, which each predictor variant may add. */
const FIRST_CHOICE = 'predictor-guided{"poolSize":1000,"parents":3,"acquisition":"ucb","beta":0.5,"ascentSteps":10}';
const TOP = 10;

const { values } = parseArgs({
  options: {
    task: { type: 'string', default: 'nb301' },
    strategy: { type: 'string', default: FIRST_CHOICE },
    queries: { type: 'string', default: '50' },
    'warm-start': { type: 'string', default: '1000' },
    'warm-start-seed': { type: 'string', default: '1000000' },
    seeds: { type: 'string', default: '8' },
    'first-seed': { type: 'string', default: '100' },
    predictors: { type: 'string', default: '{};{"epochs":60};{"members":10};{"hiddenLayers":[128,128,128]}' },
    out: { type: 'string', default: join('bench-results', 'neighbourhood') },
  },
});
const taskName = values.task as TaskName;
if (!TASK_NAMES.includes(taskName)) throw new Error(`unknown task '${values.task}' (one of ${TASK_NAMES.join(', ')})`);
function wholeNumber(name: 'queries' | 'warm-start' | 'warm-start-seed' | 'seeds' | 'first-seed', min = 0): number {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} takes a whole number of at least ${min}, got '${values[name]}'`);
  return value;
}
// At least one query, so that the search has an incumbent.
const queries = wholeNumber('queries', 1);
const warmStartTrials = wholeNumber('warm-start');
const warmStartSeed = wholeNumber('warm-start-seed');
const seeds = wholeNumber('seeds', 1);
const firstSeed = wholeNumber('first-seed');
const ENCODINGS: readonly EncodingKind[] = ['adjacency', 'path'];
const variants = values.predictors.split(';').map((text) => {
  let parsed: PredictorOptions & { encoding?: EncodingKind; residualCorrection?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`--predictors: '${text}' is not a JSON object of predictor options`);
  }
  const { encoding, residualCorrection, ...options } = parsed;
  if (encoding !== undefined && !ENCODINGS.includes(encoding)) throw new Error(`--predictors: encoding '${encoding}' is not one of ${ENCODINGS.join(', ')}`);
  let correction: ResidualCorrectionOptions | undefined;
  if (residualCorrection !== undefined) {
    const result = ResidualCorrectionSchema.safeParse(residualCorrection);
    if (!result.success) throw new Error(`--predictors: residualCorrection in '${text}': ${result.error.issues[0]!.message}`);
    correction = result.data;
  }
  return { name: text, encoding, correction, options };
});

const { benchmarksDir } = readConfig();
const tableShelf = { store: new DirectoryArtifactStore(DEFAULT_SUITE_TABLES_DIR), location: DEFAULT_SUITE_TABLES_DIR };
const task = await loadBenchmarkTask(taskName, benchmarksDir, tableShelf);
const { space } = task;
const requested = strategyOf(values.strategy);
const strategy = getStrategy(requested.name);
const params = strategy.params.parse(requested.params);
const started = performance.now();

interface SeedResult {
  seed: number;
  incumbent: number;
  incumbentArch: string;
  neighbours: number;
  better: number;
  variants: { name: string; spearman: number; betterInTop: number; fitSeconds: number }[];
}
const perSeed: SeedResult[] = [];
for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
  const prior = await randomParentTrials(task, warmStartTrials, warmStartSeed + seed);
  const searched: { arch: (typeof prior)[number]['arch']; score: number }[] = [];
  await simulateSearch({
    space,
    strategy,
    params,
    seed,
    maxQueries: queries,
    prior,
    // Kept here because the simulation reports only the incumbent after each query.
    evaluate: async (archs) => {
      const answers = await task.evaluate(archs);
      archs.forEach((arch, i) => searched.push({ arch, score: answers[i]!.score }));
      return answers;
    },
  });
  const history = [...prior.map((entry) => ({ arch: entry.arch, score: entry.score! })), ...searched];
  const incumbent = searched.reduce((best, entry) => (entry.score > best.score ? entry : best));
  const seen = new Set(history.map((entry) => space.canonical(entry.arch)));
  const neighbours = space.neighbours(incumbent.arch).filter((arch) => !seen.has(space.canonical(arch)));
  const answers = (await task.evaluate(neighbours)).map((answer) => answer.score);
  const result: SeedResult = { seed, incumbent: incumbent.score, incumbentArch: space.format(incumbent.arch), neighbours: neighbours.length, better: answers.filter((a) => a > incumbent.score).length, variants: [] };
  for (const variant of variants) {
    const fitStarted = performance.now();
    const predictor = trainPredictor({
      space,
      ...(variant.encoding ? { encoding: variant.encoding } : {}),
      archs: history.map((entry) => entry.arch),
      targets: history.map((entry) => entry.score),
      seed: 0,
      options: { costFeatures: true, ...variant.options, holdOutFraction: 0 },
    });
    const fitSeconds = (performance.now() - fitStarted) / 1000;
    const correct = variant.correction && correctNearTheBest(space, history, predictor, variant.correction);
    const predicted = predictor.predict(neighbours).map((p, i) => p.mean + (correct ? correct(neighbours[i]!) : 0));
    predictor.dispose();
    const top = [...predicted.keys()].sort((a, b) => predicted[b]! - predicted[a]!).slice(0, TOP);
    result.variants.push({ name: variant.name, spearman: spearman(predicted, answers), betterInTop: top.filter((i) => answers[i]! > incumbent.score).length, fitSeconds });
  }
  perSeed.push(result);
  console.error(`seed ${seed}: incumbent ${incumbent.score.toFixed(3)}, ${result.better} of ${result.neighbours} neighbours better`);
}
const elapsedSeconds = (performance.now() - started) / 1000;

const fmt = (m: MeanWithCi, digits: number) => (Number.isFinite(m.ci95) ? `${m.mean.toFixed(digits)} ± ${m.ci95.toFixed(digits)}` : m.mean.toFixed(digits));
const summaries = variants.map((variant) => {
  const rows = perSeed.map((seed) => seed.variants.find((v) => v.name === variant.name)!);
  return {
    name: variant.name,
    spearman: meanWithCi(rows.map((r) => r.spearman)),
    betterInTop: meanWithCi(rows.map((r) => r.betterInTop)),
    fitSeconds: meanWithCi(rows.map((r) => r.fitSeconds)),
  };
});
const baseRate = meanWithCi(perSeed.map((seed) => (TOP * seed.better) / seed.neighbours));
const markdown = [
  `# How well predictors rank the incumbent's neighbours`,
  '',
  `Task ${taskName}; ${seeds} seeds (${firstSeed}..${firstSeed + seeds - 1}), each warm-started from a random search of ${warmStartTrials} trials (seed ${warmStartSeed} + the seed), then ${queries} queries of \`${values.strategy}\`; ${elapsedSeconds.toFixed(0)} s wall time.`,
  `Incumbent after ${queries} queries ${fmt(meanWithCi(perSeed.map((s) => s.incumbent)), 3)}; its unseen one-edit neighbours ${fmt(meanWithCi(perSeed.map((s) => s.neighbours)), 0)}, of which better ${fmt(meanWithCi(perSeed.map((s) => s.better)), 1)}.`,
  `Each predictor fit to the whole history (cost features on, as predictor-guided fits it). Values: mean ± 95% CI over seeds.`,
  '',
  `| predictor options | Spearman over the neighbours | better than the incumbent among its top ${TOP} | fit (s) |`,
  `| --- | --- | --- | --- |`,
  ...summaries.map((s) => `| \`${s.name}\` | ${fmt(s.spearman, 2)} | ${fmt(s.betterInTop, 1)} | ${fmt(s.fitSeconds, 1)} |`),
  `| ${TOP} neighbours drawn at random (expected) | 0 | ${fmt(baseRate, 1)} | |`,
  '',
].join('\n');

await mkdir(values.out, { recursive: true });
await writeFile(join(values.out, 'results.json'), JSON.stringify({ config: { ...values, queries, warmStartTrials, warmStartSeed, seeds, firstSeed }, elapsedSeconds, summaries, perSeed }, null, 2));
await writeFile(join(values.out, 'results.md'), markdown);
console.log(markdown);
console.log(`wrote ${join(values.out, 'results.{json,md}')}`);
