import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { readConfig } from '../../src/config.js';

/** The NB201 table read straight from the CSV, independently of the service's loader, as the test oracle. */
export const BENCHMARKS_DIR = readConfig().benchmarksDir;

let rows: Map<string, Record<string, string>> | undefined;
export function nb201Row(arch: string): Record<string, string> | undefined {
  rows ??= new Map(
    (parse(readFileSync(join(BENCHMARKS_DIR, 'nb201', 'nb201.csv'), 'utf8'), { columns: true }) as Record<string, string>[]).map(
      (row) => [row.arch!, row],
    ),
  );
  return rows.get(arch);
}
