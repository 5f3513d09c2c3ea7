/**
 * `npm run bench:warm-start`: does a finished CIFAR-10 search make a CIFAR-100 search of the same space
 * find a near-optimal cell sooner? For each seed: a parent search (NB201 CIFAR-10, selecting on 12-epoch
 * validation accuracy, `--parent-queries` queries), then two CIFAR-100 searches with the same strategy and
 * seed: cold, and warm-started with `TransferLearning` (the parent's `--seeds` best cells measured first).
 * Reports the queries each needs until its incumbent is within `--within` points of the CIFAR-100
 * optimum (200-epoch test accuracy; searching on it, as White et al. count queries to the optimum), and
 * the incumbent after 10, 20, 50 and 100 queries; prints a table and saves JSON.
 *
 * Options: --seeds-count 30 --strategy evolution --parent-queries 100 --queries 300 --seeds 10 --within 0.5 --out DIR
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadBenchmarkTask } from '../../src/benchmarking/benchmark-tasks.js';
import { simulateSearch, type TrajectoryPoint } from '../../src/benchmarking/simulate-search.js';
import { meanWithCi } from '../../src/benchmarking/statistics.js';
import { readConfig } from '../../src/config.js';
import type { Nb201Cell } from '../../src/spaces/nb201.js';
import { transferSeeds } from '../../src/search/warm-start.js';
import { getStrategy, STRATEGY_NAMES } from '../../src/strategies/registry.js';

const { values } = parseArgs({
  options: {
    'seeds-count': { type: 'string', default: '30' },
    strategy: { type: 'string', default: 'evolution' },
    'parent-queries': { type: 'string', default: '100' },
    queries: { type: 'string', default: '300' },
    seeds: { type: 'string', default: '10' },
    within: { type: 'string', default: '0.5' },
    out: { type: 'string', default: join('bench-results', 'warm-start') },
  },
});
if (!(STRATEGY_NAMES as readonly string[]).includes(values.strategy)) throw new Error(`unknown strategy '${values.strategy}'`);
const strategy = getStrategy(values.strategy as (typeof STRATEGY_NAMES)[number]);
const params = strategy.params.parse({});
const queries = Number(values.queries);
const within = Number(values.within);
const checkpoints = [10, 20, 50, 100].filter((q) => q <= queries);

const { benchmarksDir } = readConfig();
const parentTask = await loadBenchmarkTask('nb201-cifar10', benchmarksDir);
const childTask = await loadBenchmarkTask('nb201-cifar100-oracle', benchmarksDir);
const target = childTask.optimum! - within;

/** Queries until the incumbent reports within `within` of the optimum; `queries + 1` when never. */
const queriesToTarget = (trajectory: readonly TrajectoryPoint[]) => {
  const index = trajectory.findIndex((point) => point.reported >= target);
  return index < 0 ? queries + 1 : index + 1;
};

interface Outcome {
  readonly toTarget: number;
  readonly at: (number | undefined)[];
}
const runs: { seed: number; cold: Outcome; warm: Outcome }[] = [];
for (let seed = 0; seed < Number(values['seeds-count']); seed++) {
  const measured: { cell: Nb201Cell; score: number }[] = [];
  await simulateSearch<Nb201Cell>({
    space: parentTask.space,
    strategy,
    params,
    seed,
    maxQueries: Number(values['parent-queries']),
    evaluate: async (cells) => {
      const answers = await parentTask.evaluate(cells);
      cells.forEach((cell, i) => measured.push({ cell, score: answers[i]!.score }));
      return answers;
    },
  });
  const ranked = [...measured].sort((a, b) => b.score - a.score).map((m) => m.cell);
  const seeds = transferSeeds(childTask.space, [ranked], new Set(), Number(values.seeds));
  const child = { space: childTask.space, strategy, params, seed: 1000 + seed, maxQueries: queries, evaluate: childTask.evaluate };
  const cold = await simulateSearch<Nb201Cell>(child);
  const warm = await simulateSearch<Nb201Cell>({ ...child, seeds });
  runs.push({ seed, cold: { toTarget: queriesToTarget(cold), at: checkpoints.map((q) => cold[q - 1]?.reported) }, warm: { toTarget: queriesToTarget(warm), at: checkpoints.map((q) => warm[q - 1]?.reported) } });
}

const summary = (which: 'cold' | 'warm') => ({
  queriesToTarget: meanWithCi(runs.map((r) => r[which].toTarget)),
  reached: runs.filter((r) => r[which].toTarget <= queries).length / runs.length,
  incumbent: Object.fromEntries(checkpoints.map((q, i) => [q, meanWithCi(runs.map((r) => r[which].at[i]!).filter((v) => v !== undefined))])),
});
const result = { options: values, optimum: childTask.optimum, target, cold: summary('cold'), warm: summary('warm'), runs };
const cell = (m: { mean: number; ci95: number }) => `${m.mean.toFixed(2)} ± ${m.ci95.toFixed(2)}`;
console.log(`NB201 CIFAR-100 (optimum ${childTask.optimum!.toFixed(2)}), ${values.strategy}, ${runs.length} seeds; warm = TransferLearning from a ${values['parent-queries']}-query CIFAR-10 search, ${values.seeds} seeds`);
console.table(
  Object.fromEntries(
    (['cold', 'warm'] as const).map((which) => [
      which,
      {
        [`queries to within ${within}`]: cell(result[which].queriesToTarget),
        'reached (share)': result[which].reached.toFixed(2),
        ...Object.fromEntries(checkpoints.map((q) => [`best @${q}`, cell(result[which].incumbent[q]!)])),
      },
    ]),
  ),
);
await mkdir(values.out, { recursive: true });
const file = join(values.out, `warm-start-${values.strategy}.json`);
await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`saved ${file} (queries counted as ${queries + 1} where the target was never reached)`);
