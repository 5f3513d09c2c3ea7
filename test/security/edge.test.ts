import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/api/auth.js';
import { problemResponse, withoutServerPaths } from '../../src/api/problem.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { openTableShelf } from '../../src/artifacts/open-artifact-store.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { newTrial } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { createSearch, json, newTenant, serveInstances, type Tenant } from './fixture.js';

let db: TestStore;
let tablesDir: string;
let base: string;
let close: () => Promise<unknown>;
/** Two tenants: the attacker tries to reach the victim's records, and to break the service for both. */
let attacker: Tenant;
let victim: Tenant;
let victimSearch: string;
let attackerSearch: string;

beforeAll(async () => {
  db = await startTestStore();
  // An imported table whose manifest is broken: its error once carried the file's absolute path.
  tablesDir = await mkdtemp(join(tmpdir(), 'nas-edge-tables-'));
  await mkdir(join(tablesDir, 'broken'));
  await writeFile(join(tablesDir, 'broken', 'manifest.json'), '{"space": "nb201", ');
  const served = await serveInstances(db, 1, { limits: { maxActiveSearches: 100 }, benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR, openTableShelf(tablesDir)) });
  [base] = served.urls as [string];
  close = served.close;
  attacker = await newTenant(db, 'edge-attacker');
  victim = await newTenant(db, 'edge-victim');
  victimSearch = (await json(await createSearch(victim, base))).id;
  attackerSearch = (await json(await createSearch(attacker, base))).id;
  for (const number of [1, 2, 3]) {
    await db.store.createTrial({ ...newTrial(victimSearch, number), tenantId: victim.id });
    await db.store.createTrial({ ...newTrial(attackerSearch, number), tenantId: attacker.id });
  }
});
afterAll(async () => {
  await close();
  await db.close();
  await rm(tablesDir, { recursive: true, force: true });
});

const token = (key: unknown) => Buffer.from(typeof key === 'string' ? key : JSON.stringify(key)).toString('base64url');
const searchCount = async (tenant: Tenant) => (await db.store.listSearches(tenant.id, { limit: 1000 })).items.length;

/** The 400 problem every refused field gets, naming `field`. */
async function expectFieldProblem(response: Response, field: string) {
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const problem = await json(response);
  expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
  return problem;
}

describe('a crafted nextToken', () => {
  const crafted = () => [
    ["the victim's search partition", token({ pk: `TENANT#${victim.id}`, sk: 'SEARCH#~' })],
    ["the victim's trial partition", token({ pk: `TENANT#${victim.id}#SEARCH#${victimSearch}`, sk: 'TRIAL#000000' })],
    ['the old trial partition', token({ pk: `SEARCH#${victimSearch}`, sk: 'TRIAL#000000' })],
    ['its own partition, another kind of item', token({ pk: `TENANT#${attacker.id}`, sk: 'APIKEY#0' })],
    ['an extra attribute', token({ pk: `TENANT#${attacker.id}`, sk: 'SEARCH#~', activePk: 'ACTIVE' })],
    ['a __proto__ key', token(`{"__proto__": {"pk": "x"}, "pk": "TENANT#${attacker.id}", "sk": "SEARCH#~"}`)],
    ['typed attribute values', token({ pk: { S: `TENANT#${attacker.id}` }, sk: { S: 'SEARCH#~' } })],
    ['a number where a string goes', token({ pk: `TENANT#${attacker.id}`, sk: 7 })],
    ['an array', token([1, 2])],
    ['null', token('null')],
    ['not JSON', token('{"pk":')],
    ['not base64url', '%%%not-a-token%%%'],
  ];

  it("is a 400 naming nextToken, never a 500 and never another tenant's records", async () => {
    for (const [name, nextToken] of crafted()) {
      for (const path of ['/v1/searches', `/v1/searches/${attackerSearch}/trials`]) {
        const response = await attacker.fetch(base, `${path}?limit=2&nextToken=${encodeURIComponent(nextToken!)}`);
        const problem = await expectFieldProblem(response, 'nextToken').catch((error: Error) => {
          throw new Error(`${name} on ${path}: ${error.message}`);
        });
        expect(JSON.stringify(problem)).not.toContain(victimSearch);
      }
    }
  });

  it('is refused when replayed on another listing, while a real one pages on', async () => {
    await createSearch(attacker, base);
    await createSearch(attacker, base);
    const first = await json(await attacker.fetch(base, '/v1/searches?limit=2'));
    expect(first.nextToken).toBeDefined();
    expect((await attacker.fetch(base, `/v1/searches?limit=2&nextToken=${first.nextToken}`)).status).toBe(200);
    await expectFieldProblem(await attacker.fetch(base, `/v1/searches/${attackerSearch}/trials?nextToken=${first.nextToken}`), 'nextToken');
  });

  it("is a 400 on the dashboard's searches page too", async () => {
    const signedIn = await fetch(`${base}/sign-in`, { method: 'POST', headers: { origin: base }, body: new URLSearchParams({ key: attacker.key, next: '/' }), redirect: 'manual' });
    const cookie = signedIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const response = await fetch(`${base}/?after=${token({ pk: `TENANT#${victim.id}`, sk: 'SEARCH#~' })}`, { headers: { cookie } });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain(victimSearch);
  });
});

/** The body as JSON text with an own key `key` = `value` in the object at `path` (JSON.parse keeps one). */
function withOwnKey(body: unknown, path: (string | number)[], key: string, value: unknown): string {
  const copy = JSON.parse(JSON.stringify(body));
  const target = path.reduce((node, step) => node[step], copy);
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return JSON.stringify(copy);
}

describe('__proto__, constructor and prototype keys in a body', () => {
  const trainSpec = {
    space: 'mlp',
    objectives: [{ metric: 'validation_accuracy', direction: 'maximize' }],
    strategy: { name: 'random', params: {} },
    evaluator: { kind: 'train', dataset: 'blobs', datasetOptions: {}, model: {}, schedule: { epochs: 2, batchSize: 50 } },
    budget: { maxTrialCount: 2 },
  };
  const choicesSpec = {
    ...EXAMPLE_SEARCH_SPEC,
    space: 'choices',
    spaceConfig: { decisions: { width: { choices: [1, 2] } } },
    evaluator: { kind: 'benchmark', benchmark: 'nb201' },
  };
  const cases: [string, unknown, (string | number)[], string][] = [
    ['the spec itself', EXAMPLE_SEARCH_SPEC, [], '__proto__'],
    ['an objective', EXAMPLE_SEARCH_SPEC, ['objectives', 0], 'constructor'],
    ['strategy.params', { ...EXAMPLE_SEARCH_SPEC, strategy: { name: 'random', params: {} } }, ['strategy', 'params'], '__proto__'],
    ['deep in strategy.params', { ...EXAMPLE_SEARCH_SPEC, strategy: { name: 'random', params: { a: [{ b: {} }] } } }, ['strategy', 'params', 'a', 0, 'b'], 'prototype'],
    ['evaluator.datasetOptions', trainSpec, ['evaluator', 'datasetOptions'], '__proto__'],
    ['evaluator.model', trainSpec, ['evaluator', 'model'], 'constructor'],
    ['spaceConfig', choicesSpec, ['spaceConfig', 'decisions'], 'constructor'],
  ];

  it.each(cases)('in %s is a 400 naming the field, and starts nothing', async (_where, spec, path, key) => {
    const before = await searchCount(attacker);
    const field = [...path, key].reduce<string>((f, step) => (typeof step === 'number' ? `${f}[${step}]` : f ? `${f}.${step}` : step), '');
    const problem = await expectFieldProblem(await createSearch(attacker, base, withOwnKey(spec, path, key, { polluted: true })), field);
    expect(problem.errors).toEqual([{ field, message: 'unknown field' }]);
    expect(await searchCount(attacker)).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('in a predictions body is a 400 naming the field', async () => {
    const request = { space: 'nb201', evaluator: { kind: 'benchmark', benchmark: 'nb201' }, metric: 'cifar10_test_200', architectures: ['x'] };
    for (const [path, field] of [[[], '__proto__'], [['evaluator'], 'evaluator.__proto__']] as const) {
      const response = await attacker.fetch(base, '/v1/predictions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: withOwnKey(request, [...path], '__proto__', {}) });
      await expectFieldProblem(response, field);
    }
  });

  it('nested thousands deep is a 400 naming where, not a stack overflow', async () => {
    const deep = `{"strategy": {"name": "random", "params": {"x": ${'['.repeat(50_000)}${']'.repeat(50_000)}}}}`;
    const response = await createSearch(attacker, base, deep);
    const problem = await expectFieldProblem(response, `strategy.params.x${'[0]'.repeat(29)}`);
    expect(problem.errors[0].message).toMatch(/nested deeper than 32 levels/);
  });
});

describe('problem details', () => {
  it('name no server path for a broken imported table', async () => {
    const response = await createSearch(attacker, base, { ...EXAMPLE_SEARCH_SPEC, evaluator: { kind: 'benchmark', benchmark: 'broken', metric: 'cifar10_test_200' } });
    const text = await response.clone().text();
    const problem = await expectFieldProblem(response, 'evaluator.benchmark');
    expect(problem.detail).toContain("imported table 'broken' is invalid");
    expect(text).not.toContain(tablesDir);
    expect(text).not.toContain(tmpdir());
  });

  it('name no absolute path of a server anywhere, whatever produced the message', async () => {
    const leaky = [
      `${process.cwd()}/src/evaluators/imported-table.ts`,
      '/home/deploy/nas/.nas-data/api-key',
      '/var/task/functions/api.mjs',
      '/tmp/nas-1234/tables/x/manifest.json',
      'C:\\Users\\deploy\\nas\\table.csv',
      '\\\\fileserver\\share\\table.csv',
      'file:///opt/nas/model.json',
    ];
    const problem = { type: '/problems/invalid-request', title: `bad ${leaky[3]}`, status: 400, detail: leaky.map((path) => `failed at ${path}: oops`).join('; '), errors: leaky.map((path) => ({ field: 'x', message: `'${path}' not found` })) };
    const text = await problemResponse(problem).text();
    for (const path of leaky) expect(text).not.toContain(path.slice(0, 12));
    expect(JSON.parse(text).errors[0].message).toBe("'<server path>' not found");
    // What is not a server path stays: API paths, S3 keys, ratios.
    expect(withoutServerPaths('no route for GET /v1/searches/x; s3://bucket/tmp/key; 1/2')).toBe('no route for GET /v1/searches/x; s3://bucket/tmp/key; 1/2');
  });
});

describe('other abuse at the edge', () => {
  it("answers another tenant's search id with 404 on every route, and reveals nothing", async () => {
    const routes: [string, string][] = [
      ['GET', `/v1/searches/${victimSearch}`],
      ['POST', `/v1/searches/${victimSearch}/stop`],
      ['GET', `/v1/searches/${victimSearch}/trials`],
      ['GET', `/v1/searches/${victimSearch}/trials/1`],
      ['GET', `/v1/searches/${victimSearch}/trials/1/model`],
      ['GET', `/v1/searches/${victimSearch}/trials/1/model/model.json`],
      ['GET', `/v1/searches/${victimSearch}/best`],
      ['GET', `/v1/searches/${victimSearch}/pareto`],
      ['GET', `/v1/searches/${victimSearch}/events`],
    ];
    for (const [method, path] of routes) {
      const response = await attacker.fetch(base, path, { method });
      expect(`${method} ${path} ${response.status}`).toBe(`${method} ${path} 404`);
      expect(await response.text()).not.toContain('"arch"');
    }
    expect((await db.store.getSearch(victim.id, victimSearch))!.status).toBe('CREATED');
    const warmStart = await createSearch(attacker, base, { ...EXAMPLE_SEARCH_SPEC, warmStart: { parentSearches: [victimSearch], type: 'IdenticalTask' } });
    expect(warmStart.status).toBe(400);
  });

  it.each(['-1', '0', '1001', '1.5', '1e309', 'NaN', 'abc', '99999999999999999999', ''])('refuses limit=%s with a 400 naming limit', async (limit) => {
    await expectFieldProblem(await attacker.fetch(base, `/v1/searches?limit=${limit}`), 'limit');
  });

  it('refuses an oversized nextToken, Idempotency-Key or search id with a 400 naming it', async () => {
    await expectFieldProblem(await attacker.fetch(base, `/v1/searches?nextToken=${'a'.repeat(2001)}`), 'nextToken');
    for (const key of ['k'.repeat(256), 'has spaces', 'naïve']) {
      await expectFieldProblem(await createSearch(attacker, base, EXAMPLE_SEARCH_SPEC, { 'idempotency-key': key }), 'idempotency-key');
    }
    await expectFieldProblem(await attacker.fetch(base, `/v1/searches/${'0'.repeat(65)}`), 'id');
  });

  it('refuses oversized headers before the app (431), and keeps serving', async () => {
    const response = await attacker.fetch(base, '/v1/searches', { headers: { cookie: `${SESSION_COOKIE}=${'x'.repeat(64 * 1024)}` } });
    expect(response.status).toBe(431);
    expect((await attacker.fetch(base, '/v1/searches')).status).toBe(200);
  });

  it('serves no file outside an export, whatever the path says', async () => {
    for (const file of ['..%2F..%2F..%2Fetc%2Fpasswd', '%2e%2e%2fapi-key', 'model.json%00.png']) {
      const response = await attacker.fetch(base, `/v1/searches/${attackerSearch}/trials/1/model/${file}`);
      expect([400, 404]).toContain(response.status);
      expect(await response.text()).not.toMatch(/root:|nas_/);
    }
  });
});
