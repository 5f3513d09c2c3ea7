import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMnistMlpTable } from '../../bench/tables/mnist-mlp.js';
import { buildNb301SubTable, NB301_SUB_DECLARATION } from '../../bench/tables/nb301-subspace.js';
import { writeTable } from '../../bench/tables/table-files.js';
import { enumerateSpace } from '../../bench/tables/enumerate.js';
import { loadBenchmarkTask } from '../../src/benchmarking/benchmark-tasks.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { loadImportedTable } from '../../src/evaluators/imported-table.js';
import { Rng } from '../../src/random/rng.js';
import { createChoicesSpace } from '../../src/spaces/choices.js';
import { resolveSpace } from '../../src/spaces/registry.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';

const dir = await mkdtemp(join(tmpdir(), 'nas-suite-tables-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const shelf = { store: new DirectoryArtifactStore(dir), location: dir };

describe('the suite tables builder (npm run bench:tables)', () => {
  it('enumerates a choices space exhaustively, conditional decisions included', () => {
    const space = createChoicesSpace({ decisions: { depth: { options: [1, 2] }, a: { options: ['x', 'y'] }, b: { options: [1, 2, 3], when: { decision: 'depth', in: [2] } } } });
    expect(new Set(enumerateSpace(space, 8).map(space.format)).size).toBe(8);
    expect(() => enumerateSpace(space, 9)).toThrow(/walked 8/);
  });

  it('writes an NB301 sub-space table that imports, and a task over it answers from its rows', async () => {
    await writeTable(dir, 'choices-nb301-sub', await buildNb301SubTable(BENCHMARKS_DIR, 12));
    const table = await loadImportedTable(shelf, 'choices-nb301-sub', resolveSpace);
    expect(table.size).toBe(12);
    expect(table.manifest.spaceConfig).toEqual(NB301_SUB_DECLARATION);
    const task = await loadBenchmarkTask('choices-nb301-sub', BENCHMARKS_DIR, shelf);
    expect(task.ceiling).toBe(task.optimum);
    // The task's space proposes only the table's rows.
    const arch = task.space.sample(Rng.fromSeed(1));
    const [query] = await task.evaluate([arch]);
    expect(query!.score).toBe(table.lookup(task.space.canonical(arch))!.metrics.val_accuracy);
    expect(query!.score).toBeGreaterThan(85);
    expect(query!.costSeconds).toBeGreaterThan(0);
  });

  it('writes a table of real MNIST trainings that imports with validation and test accuracy', async () => {
    // One architecture: each is a real MNIST training (about two seconds on 2 cores), and one row shows the import.
    await writeTable(dir, 'choices-mnist-mlp', await buildMnistMlpTable(1));
    const table = await loadImportedTable(shelf, 'choices-mnist-mlp', resolveSpace);
    expect(table.size).toBe(1);
    for (const arch of table.architectures) {
      const row = table.lookup(table.space.canonical(arch))!;
      expect(row.metrics.val_accuracy).toBeGreaterThan(20);
      expect(row.metrics.test_accuracy).toBeLessThanOrEqual(100);
      expect(row.costSeconds).toBeGreaterThan(0);
    }
    const task = await loadBenchmarkTask('choices-mnist-mlp', BENCHMARKS_DIR, shelf);
    expect([task.searchMetric, task.reportMetric]).toEqual(['val_accuracy', 'test_accuracy']);
  }, 60_000);
});
