/**
 * `npm run bench:pareto`: multi-objective search quality on NAS-Bench-201, accuracy vs latency on several
 * devices. For each device and seed, `nsga2` and `random` search [CIFAR-10 12-epoch validation accuracy
 * (max), device latency (min)]; after 100 and 300 evaluations, the hypervolume of what each has measured,
 * as a share of the hypervolume of the true front of all 15,625 cells (reference point: the worst accuracy
 * and the worst latency in the table). Prints a table (mean ± 95% CI) and saves JSON.
 *
 * Options: --seeds 30 --devices latency_ms_pixel3,latency_ms_1080ti_1,latency_ms_raspi4 --budgets 100,300
 *          --strategies nsga2,random --out DIR
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { simulateSearch } from '../../src/benchmarking/simulate-search.js';
import { meanWithCi, type MeanWithCi } from '../../src/benchmarking/statistics.js';
import { readConfig } from '../../src/config.js';
import { loadNb201Table } from '../../src/evaluators/nb201-table.js';
import { hypervolume, type ObjectiveVector } from '../../src/multiobjective/pareto.js';
import { NB201_EDGES, NB201_OPERATIONS, nb201Space, type Nb201Cell } from '../../src/spaces/nb201.js';
import { getStrategy, STRATEGY_NAMES } from '../../src/strategies/registry.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '30' },
    devices: { type: 'string', default: 'latency_ms_pixel3,latency_ms_1080ti_1,latency_ms_raspi4' },
    budgets: { type: 'string', default: '100,300' },
    strategies: { type: 'string', default: 'nsga2,random' },
    accuracy: { type: 'string', default: 'cifar10_valid_12' },
    out: { type: 'string', default: join('bench-results', 'pareto') },
  },
});
const budgets = values.budgets.split(',').map(Number);
const strategies = values.strategies.split(',');
for (const name of strategies) if (!(STRATEGY_NAMES as readonly string[]).includes(name)) throw new Error(`unknown strategy '${name}'`);
const table = await loadNb201Table(readConfig().benchmarksDir);
const accuracy = values.accuracy;

/** Every NB201 cell: one operation on each of the six edges. */
const allCells: Nb201Cell[] = NB201_EDGES.reduce<Nb201Cell[]>(
  (cells) => cells.flatMap((cell) => NB201_OPERATIONS.map((op) => [...cell, op])),
  [[]],
);

const rows: Record<string, Record<string, MeanWithCi | string>> = {};
const results: unknown[] = [];
for (const device of values.devices.split(',')) {
  // Oriented so that larger is better: accuracy, and latency negated.
  const vectorOf = (cell: Nb201Cell): ObjectiveVector => {
    const row = table.lookup(nb201Space.format(cell))!;
    return [row[accuracy]!, -row[device]!];
  };
  const everything = allCells.map(vectorOf);
  // Just beyond the worst of each objective, so that every cell counts.
  const reference = [Math.min(...everything.map((v) => v[0]!)) - 1e-9, Math.min(...everything.map((v) => v[1]!)) - 1e-9];
  const best = hypervolume(everything, reference);
  for (const name of strategies) {
    const strategy = getStrategy(name as (typeof STRATEGY_NAMES)[number]);
    const params = strategy.params.parse({});
    const shares: number[][] = budgets.map(() => []);
    for (let seed = 0; seed < Number(values.seeds); seed++) {
      const measured: ObjectiveVector[] = [];
      await simulateSearch<Nb201Cell>({
        space: nb201Space,
        strategy,
        params,
        seed,
        maxQueries: Math.max(...budgets),
        evaluate: async (cells) =>
          cells.map((cell) => {
            const scores = vectorOf(cell);
            measured.push(scores);
            return { score: scores[0]!, scores, reported: scores[0]!, costSeconds: 1 };
          }),
      });
      budgets.forEach((budget, i) => shares[i]!.push(hypervolume(measured.slice(0, budget), reference) / best));
    }
    const summary = Object.fromEntries(budgets.map((budget, i) => [`HV share @${budget}`, meanWithCi(shares[i]!)]));
    rows[`${device.replace('latency_ms_', '')} · ${name}`] = summary;
    results.push({ device, strategy: name, reference, trueFrontHypervolume: best, ...summary });
  }
}
console.log(`NB201 ${accuracy} (max) x device latency (min), ${values.seeds} seeds: measured front's hypervolume / true front's`);
console.table(Object.fromEntries(Object.entries(rows).map(([key, row]) => [key, Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' ? v : `${v.mean.toFixed(4)} ± ${v.ci95.toFixed(4)}`]))])));
await mkdir(values.out, { recursive: true });
const file = join(values.out, 'pareto.json');
await writeFile(file, `${JSON.stringify({ options: values, results }, null, 2)}\n`);
console.log(`saved ${file}`);
