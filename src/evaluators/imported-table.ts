import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { InvalidArchitecture, InvalidRequest, InvalidTable, Unavailable } from '../errors.js';
import { issueFields } from '../search/issue-fields.js';
import type { AnySpace } from '../spaces/registry.js';

/**
 * User-imported tabular benchmarks: any table of (architecture, metrics) becomes a `benchmark` that every
 * strategy can search, without code. A table is a folder `<name>/` on the table shelf holding
 * `manifest.json` and `table.csv` or `table.json` (format in docs/benchmarks.md).
 */
export const TableManifestSchema = z.strictObject({
  description: z.string().max(500).default(''),
  /** The search space the architectures belong to, and its declaration where the space needs one. */
  space: z.string().min(1),
  spaceConfig: z.unknown().optional(),
  archColumn: z.string().min(1).default('arch'),
  metrics: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'letters, digits, _ . - only')).min(1).max(100),
  /** Column with the training seconds each row's measurement cost; 0 when absent. */
  costSecondsColumn: z.string().min(1).optional(),
  /**
   * Rows holding the same architecture (by canonical form, e.g. isomorphic NB101 cells): `refuse` the
   * table (the default), keep the `first`, or average their metrics and costs (`mean`).
   */
  duplicates: z.enum(['refuse', 'first', 'mean']).default('refuse'),
});
export type TableManifest = z.output<typeof TableManifestSchema>;

export interface ImportedTable {
  readonly name: string;
  readonly manifest: TableManifest;
  readonly space: AnySpace;
  readonly size: number;
  /** Every architecture the table holds, once each, in row order: a search over the table proposes only these. */
  readonly architectures: readonly unknown[];
  /** Rows merged into an earlier one with the same architecture (`duplicates: first | mean`). */
  readonly duplicateRows: number;
  /** Metrics and cost of an architecture by its canonical form, or undefined when the table lacks it. */
  lookup(canonical: string): { metrics: Readonly<Record<string, number>>; costSeconds: number } | undefined;
  max(metric: string): number;
}

/**
 * Where imported tables are kept: an artifact store holding `<name>/manifest.json` and `<name>/table.csv`
 * (or `.json`). Locally that is the folder `<benchmarks>/tables`; in the cloud the artifacts bucket under
 * `tables/`, where the API and the trial jobs both read it.
 */
export interface TableShelf {
  readonly store: ArtifactStore;
  /** The shelf as a person finds it (a folder, `s3://bucket/prefix`), for messages. */
  readonly location: string;
}

const MANIFEST = 'manifest.json';

/** The names of the tables on the shelf: its folders that hold a manifest. */
export async function importedTableNames(shelf: TableShelf): Promise<string[]> {
  const keys = await shelf.store.list('');
  return keys.flatMap((key) => {
    const [name, file, ...deeper] = key.split('/');
    return file === MANIFEST && deeper.length === 0 ? [name!] : [];
  });
}

/** Problems reported at most, so that a broken million-row file gives a readable error. */
const MAX_PROBLEMS = 25;

function parseRows(text: string, file: string): Record<string, unknown>[] {
  try {
    if (file.endsWith('.json')) {
      const rows: unknown = JSON.parse(text);
      if (!Array.isArray(rows)) throw new Error('expected a JSON array of row objects');
      return rows as Record<string, unknown>[];
    }
    return parseCsv(text, { columns: true, skip_empty_lines: true, trim: true });
  } catch (error) {
    throw new InvalidTable(file, [(error as Error).message]);
  }
}

/** An architecture cell: the space's string form, or its JSON form (as JSON text in a CSV cell). */
function archValue(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const text = raw.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Loads and validates a table: every row must hold an architecture of the declared space and a finite
 * number in every metric column, and no architecture may appear twice (by canonical form). All problems
 * are reported together (up to 25), each naming its row and column.
 */
export async function loadImportedTable(
  shelf: TableShelf,
  name: string,
  resolveSpace: (name: string, config?: unknown) => AnySpace,
  /** Overrides the manifest's `duplicates` (`nas check-table --duplicates`). */
  duplicates?: TableManifest['duplicates'],
): Promise<ImportedTable> {
  // One listing says which files exist, so that a table in JSON costs no failed read of table.csv.
  const files = new Set(await shelf.store.list(`${name}/`));
  const read = async (file: string) => {
    const bytes = files.has(`${name}/${file}`) ? await shelf.store.get(`${name}/${file}`) : undefined;
    return bytes && new TextDecoder().decode(bytes);
  };
  const where = (file: string) => `${shelf.location}/${name}/${file}`;
  const manifestFile = where(MANIFEST);
  const manifestText = await read(MANIFEST);
  if (manifestText === undefined) throw new Unavailable(`no imported table '${name}': ${manifestFile} not found`);
  let manifestJson: unknown;
  try {
    manifestJson = JSON.parse(manifestText);
  } catch (error) {
    throw new InvalidTable(manifestFile, [(error as Error).message]);
  }
  const parsed = TableManifestSchema.safeParse(manifestJson);
  if (!parsed.success) throw new InvalidTable(manifestFile, issueFields(parsed.error).map((e) => `${e.field}: ${e.message}`));
  const manifest = { ...parsed.data, ...(duplicates === undefined ? {} : { duplicates }) };
  let space: AnySpace;
  try {
    space = resolveSpace(manifest.space, manifest.spaceConfig);
  } catch (error) {
    if (error instanceof InvalidRequest) throw new InvalidTable(manifestFile, [`${error.field}: ${error.message}`]);
    throw error;
  }

  const csvText = await read('table.csv');
  const tableFile = where(csvText === undefined ? 'table.json' : 'table.csv');
  const tableText = csvText ?? (await read('table.json'));
  if (tableText === undefined) throw new Unavailable(`imported table '${name}' has neither ${where('table.csv')} nor ${where('table.json')}`);

  const problems: string[] = [];
  const rows = new Map<string, { arch: unknown; metrics: Record<string, number>; costSeconds: number; line: number; count: number }>();
  let duplicateRows = 0;
  parseRows(tableText, tableFile).forEach((row, index) => {
    const line = index + 1;
    const report = (column: string, message: string) => problems.length < MAX_PROBLEMS && problems.push(`row ${line}, ${column}: ${message}`);
    let canonical: string | undefined;
    let arch: unknown;
    try {
      arch = space.parse(archValue(row[manifest.archColumn]));
      canonical = space.canonical(arch);
    } catch (error) {
      if (!(error instanceof InvalidArchitecture)) throw error;
      report(manifest.archColumn, `${error.rule}: ${error.message}`);
    }
    const metrics: Record<string, number> = {};
    for (const metric of manifest.metrics) {
      const value = Number(row[metric]);
      if (row[metric] === undefined || row[metric] === '' || !Number.isFinite(value)) report(metric, `expected a number, got ${JSON.stringify(row[metric] ?? null)}`);
      metrics[metric] = value;
    }
    const cost = manifest.costSecondsColumn === undefined ? 0 : Number(row[manifest.costSecondsColumn]);
    if (!Number.isFinite(cost) || cost < 0) report(manifest.costSecondsColumn!, `expected seconds >= 0, got ${JSON.stringify(row[manifest.costSecondsColumn!] ?? null)}`);
    if (canonical === undefined) return;
    const earlier = rows.get(canonical);
    if (!earlier) rows.set(canonical, { arch, metrics, costSeconds: cost, line, count: 1 });
    else if (manifest.duplicates === 'refuse') {
      report(manifest.archColumn, `the same architecture as row ${earlier.line} (set "duplicates": "first" or "mean" in the manifest, or --duplicates, to keep one)`);
    } else {
      duplicateRows++;
      // A running mean: every row of the architecture weighs the same.
      if (manifest.duplicates === 'mean') {
        earlier.count++;
        for (const metric of manifest.metrics) earlier.metrics[metric]! += (metrics[metric]! - earlier.metrics[metric]!) / earlier.count;
        earlier.costSeconds += (cost - earlier.costSeconds) / earlier.count;
      }
    }
  });
  if (rows.size === 0 && problems.length === 0) problems.push('the table has no rows');
  if (problems.length > 0) throw new InvalidTable(tableFile, problems);

  return {
    name,
    manifest,
    space,
    size: rows.size,
    architectures: [...rows.values()].map((row) => row.arch),
    duplicateRows,
    lookup: (canonical) => rows.get(canonical),
    max: (metric) => Math.max(...[...rows.values()].map((row) => row.metrics[metric] ?? -Infinity)),
  };
}
