import { InvalidRequest, InvalidTable, Unavailable } from '../errors.js';
import { resolveSpace, type AnySpace } from '../spaces/registry.js';
import { restrictToArchitectures } from '../spaces/restricted-space.js';
import { importedTableNames, loadImportedTable, type ImportedTable, type TableShelf } from './imported-table.js';
import { NB201_METRICS } from './nb201-table.js';
import { NB301_MAX_EPOCH, NB301_METRICS } from './nb301-metrics.js';

/** A tabular or surrogate benchmark a `benchmark` evaluator can query, with what it answers. */
export interface BenchmarkInfo {
  readonly name: string;
  readonly description: string;
  /** Search spaces whose architectures the benchmark has values for. */
  readonly spaces: readonly string[];
  readonly metrics: readonly string[];
  /** For imported tables over a declared space (`choices`), the declaration the table was built with. */
  readonly spaceConfig?: unknown;
  /** For benchmarks that take `evaluator.fidelity.epochs`: the most epochs they can answer for. */
  readonly maxEpochs?: number;
}

/** Benchmarks built into the service; imported tables are found at run time. */
const BUILT_IN: readonly BenchmarkInfo[] = [
  {
    name: 'nb201',
    description: 'NAS-Bench-201: all 15,625 cells on CIFAR-10, CIFAR-100, ImageNet16-120, with 27 device latencies',
    spaces: ['nb201'],
    metrics: NB201_METRICS,
  },
  {
    name: 'nb301',
    description:
      'NAS-Bench-301 surrogate (ONNX): CIFAR-10 validation accuracy (%) and training seconds of DARTS cells, at 1-98 epochs',
    spaces: ['darts'],
    metrics: NB301_METRICS,
    maxEpochs: NB301_MAX_EPOCH,
  },
];

/**
 * Every benchmark a search may name: the built-in ones and the tables imported on the table shelf
 * (`NAS_TABLES`, given by whoever builds the catalog). Imported tables are validated once per process and cached.
 */
export class BenchmarkCatalog {
  private readonly tables = new Map<string, Promise<ImportedTable>>();
  private readonly restricted = new WeakMap<ImportedTable, AnySpace>();

  constructor(
    readonly benchmarksDir: string,
    /** Where imported tables are (`openTableShelf`); none: only the built-in benchmarks. */
    private readonly shelf?: TableShelf,
  ) {}

  /** Loads (once) and validates an imported table; throws `InvalidTable` or `Unavailable`. */
  importedTable(name: string): Promise<ImportedTable> {
    let table = this.tables.get(name);
    if (!table) {
      table = this.shelf ? loadImportedTable(this.shelf, name, resolveSpace) : Promise.reject(new Unavailable(`no imported table '${name}': this service has no table shelf`));
      // A broken table is not cached: the operator may fix it while the service runs.
      table.catch(() => this.tables.delete(name));
      this.tables.set(name, table);
    }
    return table;
  }

  /**
   * The space a search over the named benchmark may propose from: an imported table's rows only (a table
   * may cover a part of its space), the whole `space` for a built-in benchmark. Built once per table.
   */
  async searchSpace(name: string, space: AnySpace): Promise<AnySpace> {
    if (BUILT_IN.some((b) => b.name === name)) return space;
    const table = await this.importedTable(name);
    let restricted = this.restricted.get(table);
    if (!restricted) this.restricted.set(table, (restricted = restrictToArchitectures(space, table.architectures)));
    return restricted;
  }

  async list(): Promise<BenchmarkInfo[]> {
    const names = this.shelf ? await importedTableNames(this.shelf) : [];
    const imported = await Promise.all(
      names.sort().map((name) => this.importedTable(name).then(tableInfo, () => undefined)),
    );
    return [...BUILT_IN, ...imported.filter((info): info is BenchmarkInfo => info !== undefined)];
  }

  /** The named benchmark; an unknown name is an `InvalidRequest` on `evaluator.benchmark`. */
  async get(name: string): Promise<BenchmarkInfo> {
    const builtIn = BUILT_IN.find((b) => b.name === name);
    if (builtIn) return builtIn;
    if (/^[A-Za-z0-9_-]{1,100}$/.test(name)) {
      const table = await this.importedTable(name).catch((error: unknown) => error);
      // Its problems, not its message: that names the file, a path on the server, which is no business of the caller's.
      if (table instanceof InvalidTable) throw new InvalidRequest('evaluator.benchmark', `imported table '${name}' is invalid: ${table.problems.join('; ')}`);
      if (!(table instanceof Error)) return tableInfo(table as ImportedTable);
    }
    const known = (await this.list()).map((b) => b.name);
    throw new InvalidRequest('evaluator.benchmark', `unknown benchmark '${name}' (one of ${known.join(', ')})`);
  }
}

function tableInfo(table: ImportedTable): BenchmarkInfo {
  return {
    name: table.name,
    description: table.manifest.description || `imported table of ${table.size} ${table.manifest.space} architectures`,
    spaces: [table.manifest.space],
    metrics: table.manifest.metrics,
    ...(table.manifest.spaceConfig === undefined ? {} : { spaceConfig: table.manifest.spaceConfig }),
  };
}
