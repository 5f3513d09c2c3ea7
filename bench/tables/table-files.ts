import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TableManifest } from '../../src/evaluators/imported-table.js';

/** One measured architecture: its string form and a number per metric column (cost included). */
export interface TableRow {
  readonly arch: string;
  readonly values: Readonly<Record<string, number>>;
}

/** What a builder returns: the manifest of the table and its rows. */
export interface BuiltTable {
  readonly manifest: Omit<TableManifest, 'archColumn' | 'duplicates'>;
  readonly rows: readonly TableRow[];
}

// Architectures of a `choices` space contain commas (`depth=2,width1=32`), so every arch cell is quoted.
const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
// Six significant digits: beyond what any of these measurements resolves, and no float noise in the file.
const number = (value: number | undefined) => String(Number(value?.toPrecision(6)));

/**
 * Writes `<dir>/<name>/manifest.json` and `table.csv` in the import format of
 * src/evaluators/imported-table.ts (docs/benchmarks.md#importing-your-own-table).
 */
export async function writeTable(dir: string, name: string, table: BuiltTable): Promise<string> {
  const folder = join(dir, name);
  const columns = [...table.manifest.metrics, ...(table.manifest.costSecondsColumn === undefined ? [] : [table.manifest.costSecondsColumn])];
  const lines = [['arch', ...columns].join(','), ...table.rows.map((row) => [quote(row.arch), ...columns.map((c) => number(row.values[c]))].join(','))];
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'manifest.json'), `${JSON.stringify({ ...table.manifest, archColumn: 'arch' }, null, 2)}\n`);
  await writeFile(join(folder, 'table.csv'), `${lines.join('\n')}\n`);
  return folder;
}
