/**
 * `npm run bench:tables`: builds the suite's imported `choices` tables (bench/tables/*.ts) in the import
 * format (manifest.json + table.csv), for `npm run bench:search -- --tasks choices-...` and for any search
 * that names them once they are on the service's table shelf (`NAS_TABLES`).
 *
 * Options: --out DIR (default $NAS_SUITE_TABLES or .cache/tables, gitignored)
 *          --tables choices-nb301-sub,choices-mnist-mlp (default both)
 *          --limit N (a seeded subset of N architectures per table instead of all: a quick look)
 * choices-nb301-sub takes a few seconds (the NB301 surrogate in NAS_BENCHMARKS_DIR); choices-mnist-mlp
 * trains 312 MLPs, about 5 minutes on one core.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SUITE_TABLES_DIR, TABLE_TASKS, type TableTaskName } from '../../src/benchmarking/benchmark-tasks.js';
import { readConfig } from '../../src/config.js';
import { buildMnistMlpTable } from './mnist-mlp.js';
import { buildNb301SubTable } from './nb301-subspace.js';
import { writeTable, type BuiltTable } from './table-files.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: process.env.NAS_SUITE_TABLES || DEFAULT_SUITE_TABLES_DIR },
    tables: { type: 'string', default: Object.keys(TABLE_TASKS).join(',') },
    limit: { type: 'string' },
  },
});
const limit = values.limit === undefined ? undefined : Number(values.limit);
const names = values.tables.split(',') as TableTaskName[];
for (const name of names) if (!(name in TABLE_TASKS)) throw new Error(`unknown table '${name}' (one of ${Object.keys(TABLE_TASKS).join(', ')})`);

const builders: Record<TableTaskName, () => Promise<BuiltTable>> = {
  'choices-nb301-sub': () => buildNb301SubTable(readConfig().benchmarksDir, limit),
  'choices-mnist-mlp': () =>
    buildMnistMlpTable(limit, (done, of) => {
      if (done % 25 === 0 || done === of) console.log(`  choices-mnist-mlp: ${done}/${of} trained`);
    }),
};

for (const name of names) {
  const started = performance.now();
  const table = await builders[name]();
  const folder = await writeTable(values.out, name, table);
  console.log(`${name}: ${table.rows.length} rows in ${((performance.now() - started) / 1000).toFixed(0)} s -> ${folder}`);
}
