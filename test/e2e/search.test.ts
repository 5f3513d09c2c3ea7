import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type NasClient } from '../../src/client/index.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';
import { PROJECT_ROOT, readConfig } from '../../src/config.js';
import { startLocalService, type LocalService } from '../../src/local/local-service.js';
import { nb201Row } from '../helpers/nb201-csv.js';
import { waitFor } from '../../src/local/service-process.js';

let dataDir: string;
let service: LocalService;
let client: NasClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'nas-e2e-'));
  service = await startLocalService({ ...readConfig({ NAS_DATA_DIR: dataDir }), warmPredictors: true, port: 0, workers: 2, sweepSeconds: 2 });
  client = createClient({ baseUrl: service.url, apiKey: service.apiKey });
});
afterAll(async () => {
  await service.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a random search on NB201 through the HTTP API', () => {
  it('runs 100 trials, each architecture once, and reports the table value of the best one', async () => {
    const created = await client.createSearch(EXAMPLE_SEARCH_SPEC);
    const search = await waitFor(async () => {
      const current = await client.getSearch(created.id);
      return current.status === 'SUCCEEDED' ? current : undefined;
    }, 'the search to succeed');

    // Page through the trials in small pages to exercise nextToken.
    const trials = [];
    let nextToken: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '30', ...(nextToken ? { nextToken } : {}) });
      const page = (await (await fetch(`${service.url}/v1/searches/${created.id}/trials?${query}`, { headers: { authorization: `Bearer ${service.apiKey}` } })).json()) as {
        items: { number: number; arch: string; archHash: string; status: string; metrics: Record<string, number> }[];
        nextToken?: string;
      };
      trials.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);

    expect(search).toMatchObject({ reason: 'MaxTrialsReached', trialCount: 100 });
    expect(search.trialStatusCounters.succeeded).toBe(100);
    expect(trials).toHaveLength(100);
    expect(new Set(trials.map((t) => t.arch)).size).toBe(100);
    expect(new Set(trials.map((t) => t.archHash)).size).toBe(100);
    for (const trial of trials) expect(trial.metrics.cifar10_test_200).toBe(Number(nb201Row(trial.arch)!.cifar10_test_200));

    const max = Math.max(...trials.map((t) => t.metrics.cifar10_test_200!));
    const best = await client.bestTrial(created.id);
    expect(best.metrics?.cifar10_test_200).toBe(max);
    expect(search.best).toMatchObject({ trialNumber: best.number, value: max, arch: best.arch });
    expect(max).toBe(Number(nb201Row(best.arch)!.cifar10_test_200));

    // Nobody asked for a prediction, yet the search's end trained the predictor of its objective, so the
    // first prediction asked does not wait for training.
    const warmed = await waitFor(
      async () => (await client.predictors('nb201')).items.find((p) => p.task.metric === 'cifar10_test_200'),
      'the predictor warmed by the finished search',
      120_000,
    );
    expect(warmed.trainingSize).toBeGreaterThanOrEqual(80);
  });
});

describe('the nas CLI', () => {
  const nas = (...args: string[]) =>
    promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin', 'nas.mjs'), ...args, '--url', service.url, '--api-key', service.apiKey], { cwd: PROJECT_ROOT });

  it('runs a search to the end with --follow and shows its best trial', async () => {
    const { stdout } = await nas('search', '--metric', 'cifar100_valid_12', '--trials', '20', '--parallel', '4', '--seed', '5', '--follow', '--json');
    const search = JSON.parse(stdout);
    expect(search).toMatchObject({ status: 'SUCCEEDED', trialCount: 20 });
    const best = JSON.parse((await nas('best', search.id, '--json')).stdout);
    expect(best.metrics.cifar100_valid_12).toBe(search.best.value);
    const listed = (await nas('searches')).stdout;
    expect(listed).toContain(search.id);
    expect((await nas('trials', search.id)).stdout.trim().split('\n')).toHaveLength(21);
  });

  it('explains a rejected spec field by field and exits non-zero', async () => {
    const failure = await nas('search', '--metric', 'cifar10_top5').catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain('objectives[0].metric');
  });
});
