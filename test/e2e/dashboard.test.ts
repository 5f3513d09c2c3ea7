import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchView } from '../../src/api/views.js';
import { PROJECT_ROOT, readConfig } from '../../src/config.js';
import { startLocalService, type LocalService } from '../../src/local/local-service.js';
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

beforeAll(async () => {
  browser = await launchChromium();
  dataDir = await mkdtemp(join(tmpdir(), 'nas-dashboard-'));
  // Each NB201 trial then takes about half a second, so the page sees the search running before it ends.
  service = await startLocalService({ ...readConfig({}), port: 0, dataDir, workers: 2, sweepSeconds: 2, simulatedTimeScale: 0.0002 });
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
