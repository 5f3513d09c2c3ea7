import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchView, TrialView } from '../../src/api/views.js';
import { createClient, runWorker } from '../../src/client/index.js';
import { PROJECT_ROOT, readConfig } from '../../src/config.js';
import { startLocalService, type LocalService } from '../../src/local/local-service.js';
import { waitFor } from '../../src/local/service-process.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';
import { launchChromium } from './chromium.js';

const SCREENSHOTS = join(PROJECT_ROOT, 'test-output', 'dashboard');
const VIEWPORT = { width: 1280, height: 1000 };

let dataDir: string;
let service: LocalService;
let browser: Browser;
let page: Page;
/** The search the form starts; later tests look at its page. */
let searchId: string;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${service.url}${path}`, { ...init, headers: { authorization: `Bearer ${service.apiKey}`, 'content-type': 'application/json' } });
/** The page from the top, down to the end of its content or the viewport's height (images for docs/images). */
const screenshot = async (name: string) => {
  const contentHeight = Math.ceil(Number(await page.evaluate('document.querySelector("main").getBoundingClientRect().bottom')));
  await page.screenshot({ path: join(SCREENSHOTS, name), clip: { x: 0, y: 0, width: VIEWPORT.width, height: Math.min(contentHeight, VIEWPORT.height) } });
};

/** An evolution search run by the service: every child after the first population names its parent. */
async function runEvolvedSearch(): Promise<string> {
  const spec = { ...EXAMPLE_SEARCH_SPEC, name: 'evolved cells', strategy: { name: 'evolution', params: { populationSize: 3, sampleSize: 2 } }, budget: { maxTrialCount: 15, parallelTrialCount: 3 }, seed: 9 };
  const { id } = (await (await api('/v1/searches', { method: 'POST', body: JSON.stringify(spec) })).json()) as SearchView;
  return waitFor(async () => {
    const search = (await (await api(`/v1/searches/${id}`)).json()) as SearchView;
    return search.status === 'SUCCEEDED' ? id : undefined;
  }, 'the evolution search to succeed');
}

beforeAll(async () => {
  browser = await launchChromium();
  dataDir = await mkdtemp(join(tmpdir(), 'nas-dashboard-'));
  // Each NB201 trial then takes about a quarter of a second: a 30-trial search runs for seconds, long enough for
  // the page to see it running before it ends.
  // Its own data folder, artifacts (predictors) included: nothing is read from or left in the repository's.
  service = await startLocalService({ ...readConfig({ NAS_DATA_DIR: dataDir }), port: 0, workers: 2, sweepSeconds: 2, simulatedTimeScale: 0.0001 });
  page = await browser.newPage({ viewport: VIEWPORT });
  page.setDefaultTimeout(30_000);
  await mkdir(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await service?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the dashboard in Chromium', () => {
  it('sends a visitor to sign in and takes only a known API key', async () => {
    await page.goto(`${service.url}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await screenshot('sign-in.png');
    await page.fill('input[name=key]', 'nas_not-a-key');
    await page.click('button[type=submit]');
    await expect(page.locator('.field-error').textContent()).resolves.toContain('not known');

    await page.fill('input[name=key]', service.apiKey);
    await Promise.all([page.waitForURL(`${service.url}/`), page.click('button[type=submit]')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Searches');
  });

  it("shows the API's field errors next to the form fields", async () => {
    await page.fill('#new-search input[name=trials]', '0');
    await page.click('#new-search button[type=submit]');
    const error = page.locator('[data-error-for=trials]');
    await expect(error.textContent()).resolves.toMatch(/>=\s*1/);
    await expect(page.locator('#new-search input[name=trials]').getAttribute('aria-invalid')).resolves.toBe('true');
    await screenshot('new-search-errors.png');
  });

  it('starts a search from the form and follows it live to SUCCEEDED without reloading', async () => {
    await page.fill('#new-search input[name=name]', 'nb201 from the dashboard');
    await page.fill('#new-search input[name=trials]', '30');
    await page.fill('#new-search input[name=parallel]', '4');
    await page.fill('#new-search input[name=seed]', '11');
    await Promise.all([page.waitForURL(/\/searches\/[0-9A-Z]{26}$/), page.click('#new-search button[type=submit]')]);
    searchId = page.url().split('/').pop()!;
    await page.evaluate('window.sameDocument = true');
    const status = page.locator('#live .status-line .status');
    expect(['CREATED', 'RUNNING']).toContain(await status.textContent());

    await page.locator('#live [data-state=succeeded] b').filter({ hasText: /^(1\d|2\d|30)$/ }).waitFor();
    await screenshot('search-running.png');
    await page.locator('#live .status-line .status', { hasText: 'SUCCEEDED' }).waitFor();
    await expect(page.evaluate('window.sameDocument')).resolves.toBe(true);
    await expect(page.locator('#live .reason').textContent()).resolves.toBe('MaxTrialsReached');

    const search = (await (await api(`/v1/searches/${searchId}`)).json()) as SearchView;
    const best = page.locator('#best-value');
    expect(Number(await best.getAttribute('data-value'))).toBe(search.best!.value);
    expect(Number(await best.textContent())).toBeCloseTo(search.best!.value, 4);
    await expect(page.locator('#live [data-state=succeeded] b').textContent()).resolves.toBe('30');
    await screenshot('search.png');
  });

  it('draws both progress charts and the best architecture as SVG', async () => {
    const staircases = page.locator('.chart svg path.best-so-far');
    await expect(staircases.count()).resolves.toBe(2);
    for (const d of await staircases.evaluateAll((paths) => paths.map((p) => p.getAttribute('d') ?? ''))) {
      expect(d).toMatch(/^M[\d.]+ [\d.]+/);
    }
    // NB201: input, two inner nodes and output; an edge per operation other than `none`.
    await expect(page.locator('svg.architecture .node rect').count()).resolves.toBe(4);
    expect(await page.locator('svg.architecture .edge path').count()).toBeGreaterThan(0);
  });

  it('sorts the trial table by the metric, highest first and then lowest first', async () => {
    const values = async () =>
      (await page.locator('#trials td.value').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-value')))).map(Number);
    await page.click('#trials th a[data-sort=value]');
    await page.locator('#trials th[aria-sort=descending] a[data-sort=value]').waitFor();
    const descending = await values();
    expect(descending).toHaveLength(30);
    expect(descending).toEqual([...descending].sort((a, b) => b - a));

    await page.click('#trials th a[data-sort=value]');
    await page.locator('#trials th[aria-sort=ascending] a[data-sort=value]').waitFor();
    expect(await values()).toEqual([...descending].reverse());
    await expect(page.evaluate('window.sameDocument')).resolves.toBe(true);
  });

  it('predicts architectures pasted into the predictor form, each line its own row', async () => {
    await page.goto(`${service.url}/predict?search=${searchId}`);
    await expect(page.locator('#predict select[name=search]').inputValue()).resolves.toBe(searchId);
    const trials = ((await (await api(`/v1/searches/${searchId}/trials?limit=3`)).json()) as { items: TrialView[] }).items;
    // A blank line is skipped, and the invalid architecture keeps its own line number.
    const lines = [trials[0]!.arch, trials[1]!.arch, '', 'not an architecture', trials[2]!.arch];
    await page.fill('#predict textarea[name=architectures]', lines.join('\n'));
    await page.click('#predict button[type=submit]');
    const rows = page.locator('#prediction-table tbody tr');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(4);
    await expect(rows.nth(2).locator('td').first().textContent()).resolves.toBe('4');
    await expect(rows.nth(2).locator('.field-error').textContent()).resolves.not.toBe('');

    const answer = (await (
      await api('/v1/predictions', {
        method: 'POST',
        body: JSON.stringify({ space: 'nb201', evaluator: { kind: 'benchmark', benchmark: 'nb201', metric: 'cifar10_test_200' }, metric: 'cifar10_test_200', architectures: lines.filter(Boolean) }),
      })
    ).json()) as { items: { mean?: number; std?: number }[] };
    const shown = await page.locator('#prediction-table td.prediction').evaluateAll((cells) => cells.map((c) => [Number(c.getAttribute('data-mean')), Number(c.getAttribute('data-std'))]));
    expect(shown).toEqual(answer.items.filter((item) => item.mean !== undefined).map((item) => [item.mean, item.std]));
    await screenshot('predictor.png');
  });

  it("draws a multi-objective search's Pareto front, highlighted, live and equal to the API's", async () => {
    const spec = {
      name: 'accuracy vs. parameters',
      space: 'nb201',
      objectives: [
        { metric: 'cifar10_test_200', direction: 'maximize' },
        { metric: 'params', direction: 'minimize' },
      ],
      strategy: { name: 'nsga2', params: { populationSize: 10 } },
      evaluator: { kind: 'benchmark', benchmark: 'nb201' },
      budget: { maxTrialCount: 30, parallelTrialCount: 4 },
      seed: 5,
    };
    const created = (await (await api('/v1/searches', { method: 'POST', body: JSON.stringify(spec) })).json()) as SearchView;
    await page.goto(`${service.url}/searches/${created.id}`);
    await page.evaluate('window.sameDocument = true');
    expect(['CREATED', 'RUNNING']).toContain(await page.locator('#live .status-line .status').textContent());
    // The front appears while the search runs, without a reload.
    await page.locator('#pareto svg .front circle').first().waitFor();
    await page.locator('#live .status-line .status', { hasText: 'SUCCEEDED' }).waitFor();
    await expect(page.evaluate('window.sameDocument')).resolves.toBe(true);

    const pareto = (await (await api(`/v1/searches/${created.id}/pareto`)).json()) as { items: { number: number }[] };
    const frontNumbers = pareto.items.map((t) => t.number).sort((a, b) => a - b);
    const drawn = await page.locator('#pareto svg .front circle').evaluateAll((circles) => circles.map((c) => Number(c.getAttribute('data-trial'))));
    expect(drawn.sort((a, b) => a - b)).toEqual(frontNumbers);
    expect(frontNumbers.length).toBeGreaterThan(1);
    const dominated = (await page.locator('#pareto svg path.dominated').getAttribute('d')) ?? '';
    expect(dominated.match(/h0/g)).toHaveLength(30 - frontNumbers.length);
    expect(await page.locator('#pareto svg path.front-line').getAttribute('d')).toMatch(/^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+$/);
    await expect(page.locator('#pareto-front tbody tr').count()).resolves.toBe(Math.min(frontNumbers.length, 20));

    // Front and dominated trials look different, and each axis says its objective and which way is better.
    const colours = await page.evaluate(`[
      getComputedStyle(document.querySelector('#pareto .front circle')).fill,
      getComputedStyle(document.querySelector('#pareto path.dominated')).stroke,
    ]`);
    expect((colours as string[])[0]).not.toBe((colours as string[])[1]);
    const labels = await page.locator('#pareto svg .axis-label').allTextContents();
    expect(labels).toEqual(['params (minimize, better ←)', 'cifar10_test_200 (maximize, better ↑)']);
    await page.locator('#pareto').screenshot({ path: join(SCREENSHOTS, 'pareto.png') });
  });

  it('draws the learning curves of a train search and opens a trial from its row', async () => {
    const spec = {
      name: 'mlp on blobs',
      space: 'mlp',
      objectives: [{ metric: 'validation_accuracy', direction: 'maximize' }],
      strategy: { name: 'random' },
      evaluator: { kind: 'train', dataset: 'blobs', schedule: { epochs: 5, batchSize: 50, learningRate: 0.02 } },
      budget: { maxTrialCount: 4, parallelTrialCount: 2 },
      earlyStopping: { algorithm: 'median', settings: { startEpoch: 1, minTrialsRequired: 1 } },
      seed: 3,
    };
    const created = (await (await api('/v1/searches', { method: 'POST', body: JSON.stringify(spec) })).json()) as SearchView;
    await page.goto(`${service.url}/searches/${created.id}`);
    await page.locator('#live .status-line .status', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 90_000 });
    const search = (await (await api(`/v1/searches/${created.id}`)).json()) as SearchView;
    const trials = ((await (await api(`/v1/searches/${created.id}/trials`)).json()) as { items: TrialView[] }).items;
    expect(trials).toHaveLength(4);

    const accuracy = page.locator('#learning-curves figure').first();
    const curves = accuracy.locator('g.curve');
    await expect(curves.count()).resolves.toBe(trials.filter((t) => t.curve?.length).length);
    for (const d of await curves.locator('path.line').evaluateAll((paths) => paths.map((p) => p.getAttribute('d') ?? ''))) {
      expect(d).toMatch(/^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)*(h0)?$/);
    }
    await expect(accuracy.locator('g.curve.highlighted').getAttribute('data-trial')).resolves.toBe(String(search.best!.trialNumber));
    const stopped = trials.filter((t) => t.status === 'EARLY_STOPPED').map((t) => String(t.number));
    await expect(accuracy.locator('g.curve.early-stopped').evaluateAll((groups) => groups.map((g) => g.getAttribute('data-trial')))).resolves.toEqual(stopped);
    await expect(accuracy.locator('path.stop-mark').count()).resolves.toBe(stopped.length);
    await page.locator('#learning-curves').screenshot({ path: join(SCREENSHOTS, 'curves.png') });

    // A row of the trial table opens the trial: its curve highlighted, its backend, drawing and model export.
    const best = search.best!.trialNumber;
    await Promise.all([page.waitForURL(`${service.url}/searches/${created.id}/trials/${best}`), page.click(`#trials tr[data-href$="/trials/${best}"] td.arch`)]);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Trial ${best}`);
    await expect(page.locator('dd.backend').textContent()).resolves.toBe(trials.find((t) => t.number === best)!.backend);
    await expect(page.locator('#learning-curves figure').first().locator('g.curve.highlighted').getAttribute('data-trial')).resolves.toBe(String(best));
    expect(await page.locator('svg.architecture .node rect').count()).toBeGreaterThan(1);
    const model = await page.request.get(`${service.url}${await page.locator('.export a').getAttribute('href')}`);
    await expect(model.json()).resolves.toMatchObject({ trialNumber: best, space: 'mlp' });
    await screenshot('trial.png');

    // Too few trials of this kind for a predictor: the form says so.
    await page.goto(`${service.url}/predict?search=${created.id}`);
    await expect(page.locator('#predict input[name=metric]').inputValue()).resolves.toBe('validation_accuracy');
    await page.fill('#predict textarea[name=architectures]', trials[0]!.arch);
    await page.click('#predict button[type=submit]');
    await expect(page.locator('#predict .form-errors p').textContent()).resolves.toMatch(/needs 10/);
  });

  it("draws an external search's learning curves from its workers' reports", async () => {
    const spec = {
      name: 'trained by your workers',
      space: 'choices',
      spaceConfig: { decisions: { width: { options: [8, 16, 32, 64] } } },
      objectives: [{ metric: 'accuracy', direction: 'maximize' }],
      strategy: { name: 'random' },
      evaluator: { kind: 'external', metrics: ['accuracy'] },
      budget: { maxTrialCount: 3, parallelTrialCount: 1 },
      seed: 4,
    };
    const created = (await (await api('/v1/searches', { method: 'POST', body: JSON.stringify(spec) })).json()) as SearchView;
    // A worker as a user writes one: wider is better, reported after each of three steps.
    await runWorker({
      client: createClient({ baseUrl: service.url, apiKey: service.apiKey }),
      searchId: created.id,
      backoff: { baseMs: 50, maxMs: 200 },
      train: async ({ arch, report }) => {
        const width = Number(arch.split('=')[1]);
        let metrics = {};
        for (let step = 1; step <= 3; step++) await report(step, (metrics = { accuracy: (width / 64) * (step / 3) }));
        return metrics;
      },
    });
    await page.goto(`${service.url}/searches/${created.id}`);
    const accuracy = page.locator('#learning-curves figure').first();
    await expect(accuracy.locator('figcaption').textContent()).resolves.toContain('accuracy per step');
    await expect(accuracy.locator('g.curve').count()).resolves.toBe(3);
  });

  it('draws the lineage of trials derived from one another, and each trial names its parent', async () => {
    const id = await runEvolvedSearch();
    await page.goto(`${service.url}/searches/${id}`);
    const trials = ((await (await api(`/v1/searches/${id}/trials`)).json()) as { items: TrialView[] }).items;
    const children = trials.filter((t) => t.parent);
    expect(children.length).toBeGreaterThan(5);
    await expect(page.locator('#lineage svg g.derivation').count()).resolves.toBe(children.length);
    // Every trial derived from another, and every trial another was derived from; a root no one chose stays out.
    const related = trials.filter((t) => t.parent || trials.some((child) => child.parent?.trialNumber === t.number));
    await expect(page.locator('#lineage svg g.lineage-trial').evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-trial'))))).resolves.toEqual(
      related.map((t) => t.number),
    );
    const best = (await (await api(`/v1/searches/${id}`)).json()) as SearchView;
    await expect(page.locator('#lineage g.lineage-trial.best').getAttribute('data-trial')).resolves.toBe(String(best.best!.trialNumber));
    await page.locator('#lineage').screenshot({ path: join(SCREENSHOTS, 'lineage.png') });

    // The last trial's edge leads to its page, which names the parent and the change.
    const last = children.at(-1)!;
    await Promise.all([page.waitForURL(/\/trials\/\d+$/), page.click(`#lineage g.lineage-trial[data-trial="${last.number}"] rect`)]);
    await expect(page.locator('dd.parent').textContent()).resolves.toBe(`trial ${last.parent!.trialNumber}: ${last.parent!.change}`);
  });

  it('lists the search with its best value and spend', async () => {
    await page.goto(`${service.url}/`);
    const row = page.locator('table.searches tbody tr', { hasText: searchId });
    await expect(row.locator('.status').textContent()).resolves.toBe('SUCCEEDED');
    await expect(row.textContent()).resolves.toContain('30/30');
    await screenshot('searches.png');
  });

  it('stops a running search with its Stop button', async () => {
    const name = '<i>text, not markup</i>';
    const spec = { ...EXAMPLE_SEARCH_SPEC, name, budget: { maxTrialCount: 500, parallelTrialCount: 2 } };
    const created = (await (await api('/v1/searches', { method: 'POST', body: JSON.stringify(spec) })).json()) as SearchView;
    await page.goto(`${service.url}/searches/${created.id}`);
    await expect(page.locator('h1').textContent()).resolves.toBe(name);
    await page.click('#live button[data-stop-url]');
    await page.locator('#live .status-line .status', { hasText: 'STOPPED' }).waitFor();
    await expect(page.locator('#live .reason').textContent()).resolves.toBe('Stopped');
    await expect(page.locator('#live button[data-stop-url]').count()).resolves.toBe(0);
  });

  it('answers an unknown search with a not-found page', async () => {
    const response = await page.goto(`${service.url}/searches/01NOSUCHSEARCH0000000000000`);
    expect(response?.status()).toBe(404);
    await expect(page.locator('h1').textContent()).resolves.toBe('Not found');
  });
});

describe('signing in', () => {
  const signIn = (next: string, origin: string) =>
    fetch(`${service.url}/sign-in`, { method: 'POST', headers: { origin }, body: new URLSearchParams({ key: service.apiKey, next }), redirect: 'manual' });

  it('never sends the reader off the site afterwards', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const response = await signIn(next, service.url);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/');
    }
  });

  it('refuses a sign-in posted from another site', async () => {
    expect((await signIn('/', 'https://evil.example')).status).toBe(403);
  });
});

describe('GET /v1/searches/{id}/events', () => {
  it("sends a finished search's state once and ends the stream", async () => {
    const response = await api(`/v1/searches/${searchId}/events`);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = (await response.text()).split('\n\n').filter((block) => block.startsWith('event:'));
    expect(events).toHaveLength(1);
    const [name, data] = events[0]!.split('\n');
    expect(name).toBe('event: search');
    expect(JSON.parse(data!.slice('data: '.length))).toEqual(await (await api(`/v1/searches/${searchId}`)).json());
  });

  it('answers an unknown search with a 404 problem', async () => {
    const response = await api('/v1/searches/01NOSUCHSEARCH0000000000000/events');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });
});
