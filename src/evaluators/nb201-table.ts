import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Unavailable } from '../errors.js';

/** The NAS-Bench-201 results table as shipped in `<benchmarks>/nb201/nb201.csv` (see docs/benchmarks.md). */
export const NB201_DATASETS = ['cifar10', 'cifar100', 'imagenet16'] as const;
export type Nb201Dataset = (typeof NB201_DATASETS)[number];

export const NB201_LATENCY_DEVICES = [
  '1080ti_1', '1080ti_256', '1080ti_32', '2080ti_1', '2080ti_256', '2080ti_32', 'essential_ph_1', 'eyeriss', 'fpga',
  'gold_6226', 'gold_6240', 'pixel2', 'pixel3', 'raspi4', 'samsung_a50', 'samsung_s7', 'silver_4114', 'silver_4210r',
  'titan_rtx_1', 'titan_rtx_256', 'titan_rtx_32', 'titanx_1', 'titanx_256', 'titanx_32', 'titanxp_1', 'titanxp_256',
  'titanxp_32',
] as const;

export const NB201_ACCURACY_METRICS = NB201_DATASETS.flatMap((dataset) => [
  `${dataset}_test_200`,
  `${dataset}_valid_12`,
  `${dataset}_test_12`,
]);
export const NB201_METRICS = [
  ...NB201_ACCURACY_METRICS,
  ...NB201_LATENCY_DEVICES.map((device) => `latency_ms_${device}`),
];

export interface Nb201Table {
  /** Metric values of one architecture (NB201 string), or undefined for a string not in the table. */
  lookup(arch: string): Readonly<Record<string, number>> | undefined;
  /** The largest value of a metric over all architectures (the known optimum). */
  max(metric: string): number;
  /**
   * `report` of the architecture with the largest `select` (the first such row on a tie): the best a search
   * that selects by `select` can report, e.g. the 200-epoch test accuracy of the best 12-epoch validation cell.
   */
  valueAtBest(select: string, report: string): number;
  readonly size: number;
}

export const NB201_TABLE_FILE = join('nb201', 'nb201.csv');

export async function loadNb201Table(benchmarksDir: string): Promise<Nb201Table> {
  const file = join(benchmarksDir, NB201_TABLE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Unavailable(
      `NAS-Bench-201 table not found at ${file}; set NAS_BENCHMARKS_DIR to the folder that holds nb201/nb201.csv`,
    );
  }
  const rows: Record<string, string>[] = parse(text, { columns: true, skip_empty_lines: true });
  const header = Object.keys(rows[0] ?? {});
  const missing = ['arch', ...NB201_METRICS].filter((column) => !header.includes(column));
  if (missing.length > 0) throw new Unavailable(`${file} lacks columns: ${missing.join(', ')}`);
  const byArch = new Map<string, Record<string, number>>();
  for (const row of rows) {
    byArch.set(row.arch!, Object.fromEntries(NB201_METRICS.map((metric) => [metric, Number(row[metric])])));
  }
  const rowsByArch = [...byArch.values()];
  return {
    lookup: (arch) => byArch.get(arch),
    max: (metric) => rowsByArch.reduce((best, row) => Math.max(best, row[metric] ?? -Infinity), -Infinity),
    valueAtBest: (select, report) => rowsByArch.reduce((best, row) => ((row[select] ?? -Infinity) > (best[select] ?? -Infinity) ? row : best))[report]!,
    size: byArch.size,
  };
}
