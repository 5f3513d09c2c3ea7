import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictionResponse } from '../../src/api/routes/predictions.js';
import type { PredictorList } from '../../src/api/routes/predictors.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { formatValue } from '../../src/cli/format.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { Rng } from '../../src/random/rng.js';
import { nb201Space } from '../../src/spaces/nb201.js';
import { authorizedApp, withPredictors } from '../helpers/authorized-app.js';
import { nasInProcess } from '../helpers/nas-in-process.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { runSearchToEnd } from '../helpers/run-search.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { runNas, serveApi } from './served-api.js';

const METRIC = 'cifar10_valid_12';
const EVALUATOR = JSON.stringify({ kind: 'benchmark', benchmark: 'nb201' });
const catalog = new BenchmarkCatalog(BENCHMARKS_DIR);
// A fixed clock: the predictor does not refresh between the CLI's call and the test's own.
const clock = () => new Date('2026-11-29T12:00:00Z');
const rng = Rng.fromSeed(42);
const [first, second, third] = Array.from({ length: 3 }, () => nb201Space.format(nb201Space.sample(rng)));

let db: TestStore;
let folder: string;
let service: Awaited<ReturnType<typeof serveApi>>;
let key: string;
let api: Awaited<ReturnType<typeof authorizedApp>>['request'];

/** `nas` against the test service, run in this process: all the command does but start a process. */
const nas = (args: readonly string[]) => nasInProcess([...args, '--url', service.url, '--api-key', key]);
/** The real `nas` command against the test service, with `stdin` as its standard input: exit status and output end to end. */
const spawnedNas = (args: readonly string[], stdin = '') => runNas(args, { url: service.url, key }, stdin);

/** What the service itself answers for the same architectures, to hold the CLI's output against. */
async function served(architectures: readonly string[]): Promise<PredictionResponse> {
  const body = JSON.stringify({ space: 'nb201', evaluator: JSON.parse(EVALUATOR), metric: METRIC, architectures });
  const response = await api('/v1/predictions', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  expect(response.status).toBe(200);
  return (await response.json()) as PredictionResponse;
}

/** The table rows after its header: `#`, shortened arch, then mean and ± or `invalid` and the message. */
const rows = (stdout: string) => stdout.trimEnd().split('\n').filter((line) => /^\d+ {2}/.test(line)).map((line) => line.split(/ {2,}/));

beforeAll(async () => {
  db = await startTestStore();
  folder = await mkdtemp(join(tmpdir(), 'nas-predict-cli-'));
  const authorized = await authorizedApp(withPredictors({ store: db.store, events: new RecordingEvents(), benchmarks: catalog, clock, artifacts: new DirectoryArtifactStore(folder) }));
  key = authorized.key;
  api = authorized.request;
  service = await serveApi(authorized.app);
});
afterAll(async () => {
  await service?.close();
  await db?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('nas predict and nas predictors', () => {
  it('lists no predictors, and names the missing trials, before any search finished', async () => {
    const listed = await nas(['predictors']);
    expect(listed).toMatchObject({ code: 0, stdout: expect.stringMatching(/^no predictors yet/) });

    const refused = await nas(['predict', first!, '--space', 'nb201', '--evaluator', EVALUATOR, '--metric', METRIC]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 409/);
    expect(refused.stderr).toMatch(/needs 10 \(you have 0\)/);
  });

  it('prints each prediction the service made, in request order', async () => {
    const { stdout: started } = await nas(['search', '--space', 'nb201', '--metric', METRIC, '--trials', '15', '--parallel', '15', '--seed', '3']);
    const searchId = /^started search (\w+)$/m.exec(started)![1]!;
    await runSearchToEnd(db.store, 'local', searchId, { evaluator: createBenchmarkEvaluator(catalog), clock });

    const run = await nas(['predict', first!, second!, '--space', 'nb201', '--evaluator', EVALUATOR, '--metric', METRIC]);
    expect(run.code).toBe(0);
    const expected = await served([first!, second!]);
    expect(expected.predictor.trainingSize).toBe(15);
    expect(run.stdout.split('\n')[0]).toBe(
      `predicted ${METRIC} with predictor ${expected.predictor.version}: learnt from 15 architectures, held-out Spearman -, updated ${clock().toISOString()}`,
    );
    expect(rows(run.stdout)).toEqual(
      expected.items.map((item) => {
        if ('error' in item) throw new Error(`${item.arch} should be valid`);
        return [String(item.index), `${item.arch.slice(0, 31)}…${item.arch.slice(-16)}`, formatValue(item.mean), formatValue(item.std)];
      }),
    );

    const json = await nas(['predict', first!, second!, '--space', 'nb201', '--evaluator', EVALUATOR, '--metric', METRIC, '--json']);
    expect(JSON.parse(json.stdout)).toEqual(expected);
  });

  it('answers the valid architectures of a file and shows the error of the invalid one, still exiting 0', async () => {
    const architectures = [first!, 'not-a-cell', third!];
    const expected = await served(architectures);
    const invalid = expected.items[1]!;
    if (!('error' in invalid)) throw new Error('not-a-cell should be invalid');

    const file = join(folder, 'archs.json');
    await writeFile(file, JSON.stringify(architectures));
    // The metric comes from the evaluator when --metric is absent.
    const evaluator = JSON.stringify({ ...JSON.parse(EVALUATOR), metric: METRIC });
    const fromFile = await nas(['predict', '--file', file, '--space', 'nb201', '--evaluator', evaluator]);
    // Standard input only a process of its own can be given; this is also the file's end-to-end run that succeeds.
    const fromStdin = await spawnedNas(['predict', '--file', '-', '--space', 'nb201', '--evaluator', EVALUATOR, '--metric', METRIC], `${architectures.join('\n')}\n\n`);

    for (const run of [fromFile, fromStdin]) {
      expect(run.code).toBe(0);
      const [valid, error, last] = rows(run.stdout);
      expect(error).toEqual(['1', 'not-a-cell', 'invalid', invalid.error.message]);
      expect(valid![2]).toBe(formatValue((expected.items[0] as { mean: number }).mean));
      expect(last![0]).toBe('2');
      expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('1 of 3 architectures invalid');
    }
  });

  // The first refusal runs the real command, for the status a failed `nas` process exits with; the others run
  // in this process.
  it.each([
    ['no --evaluator', 'a process of its own', ['predict', 'x', '--space', 'nb201', '--metric', METRIC], /needs --evaluator/],
    ['no --space', 'this process', ['predict', 'x', '--evaluator', EVALUATOR, '--metric', METRIC], /needs --space/],
    ['no metric anywhere', 'this process', ['predict', 'x', '--space', 'nb201', '--evaluator', EVALUATOR], /needs --metric/],
    ['no architectures', 'this process', ['predict', '--space', 'nb201', '--evaluator', EVALUATOR, '--metric', METRIC], /needs architectures/],
    ['an --evaluator that is not JSON', 'this process', ['predict', 'x', '--space', 'nb201', '--evaluator', '{kind:', '--metric', METRIC], /--evaluator must be JSON/],
    ['a --file that does not exist', 'this process', ['predict', '--file', '/nonexistent/archs.json', '--space', 'nb201', '--evaluator', EVALUATOR, '--metric', METRIC], /--file: cannot read/],
  ])('refuses %s with its usage and exit status 2, run in %s', async (_case, where, args, message) => {
    const run = where === 'this process' ? await nas(args) : await spawnedNas(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('usage: nas <command>');
    expect(run.stdout).toBe('');
  });

  it('names the field the service rejected and exits 1', async () => {
    const run = await nas(['predict', first!, '--space', 'nb201', '--evaluator', '{"kind":"benchmark"}', '--metric', METRIC]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Invalid request \(HTTP 400\)$/m);
    expect(run.stderr).toMatch(/^ {2}evaluator\.benchmark: /m);
  });

  it("lists the tenant's predictors, of one space with --space", async () => {
    const { items } = (await (await api('/v1/predictors')).json()) as PredictorList;
    expect(items).toHaveLength(1);
    const record = items[0]!;

    const run = await nas(['predictors']);
    expect(run.code).toBe(0);
    const [header, row, ...rest] = run.stdout.trimEnd().split('\n');
    expect(header!.split(/ {2,}/)).toEqual(['SPACE', 'EVALUATOR', 'METRIC', 'TRAINED ON', 'HELD-OUT SPEARMAN', 'VERSION', 'UPDATED']);
    expect(row!.split(/ {2,}/)).toEqual(['nb201', 'benchmark nb201', METRIC, '15', '-', record.version, record.updatedAt]);
    expect(rest).toEqual([]);

    expect(JSON.parse((await nas(['predictors', '--json'])).stdout)).toEqual({ items });
    expect((await nas(['predictors', '--space', 'darts'])).stdout).toMatch(/^no predictors yet/);
    const badSpace = await nas(['predictors', '--space', 'nope']);
    expect(badSpace.code).toBe(1);
    expect(badSpace.stderr).toMatch(/^ {2}space: /m);
  });
});
