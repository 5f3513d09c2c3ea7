/**
 * `npm run bench:scale`: whether a trial costs the same at any search size (issue #18). Runs one NB201
 * search of each size in --sizes (default 3,000 and 10,000 trials) on the local service, in its own
 * process, one after the other; samples the search's trial count and the service's RSS every
 * --sample-ms; then times `/pareto` and the search's reads on the finished search.
 *
 * Reports per search: trials/s over the first and the last 20 % of its trials and their ratio (1.0 is
 * flat), peak service RSS, and `/pareto` latency p50/p99 over --pareto-calls sequential calls.
 *
 * First, on a service of its own, the cold start a user would wait for: the wall time of the first
 * --cold-start-trials search after the service started against the next one's (target: within 20 %),
 * and how long the first `POST /v1/predictions` after them takes (target: ≤ 2 s). 0 skips it. A search of
 * 100 trials takes about 0.2 s, where the machine's jitter alone moves one ratio by 30 %: it is measured on
 * --cold-start-runs fresh services, and their median is the figure.
 * Options: --sizes 3000,10000 --parallel 8 --strategy random --pareto-calls 200 --cold-start-trials 100 --cold-start-runs 5 --timeout 1800 --out DIR
 */
import { readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from '../../src/benchmarking/statistics.js';
import { newApiKey } from '../../src/auth/api-keys.js';
import { createClient, type NasClient } from '../../src/client/index.js';
import { startServiceProcess, waitFor } from '../../src/local/service-process.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '3000,10000' },
    parallel: { type: 'string', default: '8' },
    strategy: { type: 'string', default: 'random' },
    'sample-ms': { type: 'string', default: '250' },
    'pareto-calls': { type: 'string', default: '200' },
    'cold-start-trials': { type: 'string', default: '100' },
    'cold-start-runs': { type: 'string', default: '5' },
    timeout: { type: 'string', default: '1800' },
    out: { type: 'string', default: join('bench-results', 'scale') },
  },
});
const sizes = values.sizes.split(',').map(Number);

/** Resident set size of a process in MB, from /proc (Linux); undefined elsewhere. */
async function rssMb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Trials per second between the moments the search passed `from` and `to` trials (linear between samples). */
function rateBetween(samples: readonly { t: number; trials: number }[], from: number, to: number): number {
  const at = (count: number) => {
    const i = samples.findIndex((s) => s.trials >= count);
    if (i <= 0) return samples[Math.max(0, i)]!.t;
    const [a, b] = [samples[i - 1]!, samples[i]!];
    return a.t + ((count - a.trials) / Math.max(1, b.trials - a.trials)) * (b.t - a.t);
  };
  return (to - from) / ((at(to) - at(from)) / 1000);
}

/** Runs one search of `trials` trials to its end; its wall time in seconds, by the service's clock (polling would blur a fast search). */
async function searchSeconds(client: NasClient, trials: number, seed: number): Promise<number> {
  const { id } = await client.createSearch({
    ...EXAMPLE_SEARCH_SPEC,
    strategy: { name: values.strategy as 'random' },
    seed,
    budget: { maxTrialCount: trials, parallelTrialCount: Number(values.parallel) },
  });
  const finished = await waitFor(
    async () => {
      const search = await client.getSearch(id);
      return ['CREATED', 'RUNNING'].includes(search.status) ? undefined : search;
    },
    `the search of ${trials} trials to finish`,
    Number(values.timeout) * 1000,
  );
  return (Date.parse(finished.finishedAt!) - Date.parse(finished.createdAt)) / 1000;
}

/** The first and the next search after the service started, and the first prediction after them. */
async function measureColdStart(trials: number) {
  const dataDir = await mkdtemp(join(tmpdir(), 'nas-cold-start-'));
  const apiKey = newApiKey();
  const service = await startServiceProcess({ NAS_API_KEY: apiKey, NAS_DATA_DIR: dataDir, NAS_RATE_LIMIT_PER_MINUTE: '100000000' });
  try {
    const client = createClient({ baseUrl: service.url, apiKey });
    const firstSearchSeconds = await searchSeconds(client, trials, 1);
    const nextSearchSeconds = await searchSeconds(client, trials, 2);
    const started = performance.now();
    const response = await fetch(`${service.url}/v1/predictions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        space: EXAMPLE_SEARCH_SPEC.space,
        evaluator: EXAMPLE_SEARCH_SPEC.evaluator,
        metric: EXAMPLE_SEARCH_SPEC.objectives[0].metric,
        architectures: ['|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'],
      }),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`POST /v1/predictions answered ${response.status}`);
    const firstPredictionSeconds = (performance.now() - started) / 1000;
    return { trials, firstSearchSeconds, nextSearchSeconds, firstToNextRatio: firstSearchSeconds / nextSearchSeconds, firstPredictionSeconds };
  } finally {
    await service.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const coldStartTrials = Number(values['cold-start-trials']);
const coldStartRuns: Awaited<ReturnType<typeof measureColdStart>>[] = [];
for (let run = 0; coldStartTrials > 0 && run < Number(values['cold-start-runs']); run++) coldStartRuns.push(await measureColdStart(coldStartTrials));
const median = (of: (run: (typeof coldStartRuns)[number]) => number) => percentile(coldStartRuns.map(of).sort((a, b) => a - b), 50);
const coldStart =
  coldStartRuns.length > 0
    ? {
        trials: coldStartTrials,
        runs: coldStartRuns,
        median: { firstToNextRatio: median((r) => r.firstToNextRatio), firstPredictionSeconds: median((r) => r.firstPredictionSeconds) },
      }
    : undefined;

const results = [];
for (const size of sizes) {
  const dataDir = await mkdtemp(join(tmpdir(), 'nas-scale-'));
  const apiKey = newApiKey();
  const service = await startServiceProcess({ NAS_API_KEY: apiKey, NAS_DATA_DIR: dataDir, NAS_RATE_LIMIT_PER_MINUTE: '100000000' });
  try {
    const client = createClient({ baseUrl: service.url, apiKey });
    const pid = service.child.pid!;
    const rssAtStart = await rssMb(pid);
    const started = performance.now();
    const { id } = await client.createSearch({
      ...EXAMPLE_SEARCH_SPEC,
      strategy: { name: values.strategy as 'random' },
      seed: 1,
      budget: { maxTrialCount: size, parallelTrialCount: Number(values.parallel) },
    });
    const samples: { t: number; trials: number; rss?: number }[] = [];
    for (;;) {
      const search = await client.getSearch(id);
      samples.push({ t: performance.now() - started, trials: search.trialCount, rss: await rssMb(pid) });
      if (!['CREATED', 'RUNNING'].includes(search.status)) break;
      if (performance.now() - started > Number(values.timeout) * 1000) throw new Error(`search of ${size} trials did not finish in ${values.timeout} s`);
      await new Promise((resolve) => setTimeout(resolve, Number(values['sample-ms'])));
    }
    const final = await client.getSearch(id);
    const wallSeconds = (performance.now() - started) / 1000;
    const fifth = Math.floor(final.trialCount / 5);
    const first = rateBetween(samples, 0, fifth);
    const last = rateBetween(samples, final.trialCount - fifth, final.trialCount);

    const latencies: number[] = [];
    for (let i = 0; i < Number(values['pareto-calls']); i++) {
      const t = performance.now();
      const response = await fetch(`${service.url}/v1/searches/${id}/pareto`, { headers: { authorization: `Bearer ${apiKey}` } });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`/pareto answered ${response.status}`);
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    const rss = samples.flatMap((s) => (s.rss === undefined ? [] : [s.rss]));
    results.push({
      trials: size,
      status: final.status,
      trialCount: final.trialCount,
      wallSeconds,
      trialsPerSecond: final.trialCount / wallSeconds,
      firstFifthTrialsPerSecond: first,
      lastFifthTrialsPerSecond: last,
      flatCostRatio: last / first,
      rssMb: { start: rssAtStart, peak: Math.max(...rss), end: await rssMb(pid) },
      paretoMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) },
    });
  } finally {
    await service.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? 'n/a' : n.toFixed(digits));
const markdown = [
  '# Scale benchmark',
  '',
  `One NB201 search per size (strategy ${values.strategy}, parallel ${values.parallel}) on the local service, in its own process, on loopback.`,
  '',
  '| trials | status | wall s | trials/s | first 20 % | last 20 % | ratio | RSS start / peak MB | /pareto p50 / p99 ms |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...results.map(
    (r) =>
      `| ${r.trials} | ${r.status} | ${fmt(r.wallSeconds, 1)} | ${fmt(r.trialsPerSecond)} | ${fmt(r.firstFifthTrialsPerSecond)} | ${fmt(r.lastFifthTrialsPerSecond)} | ${fmt(r.flatCostRatio, 2)} | ${fmt(r.rssMb.start)} / ${fmt(r.rssMb.peak)} | ${fmt(r.paretoMs.p50, 1)} / ${fmt(r.paretoMs.p99, 1)} |`,
  ),
  '',
  ...(coldStart
    ? [
        `Cold start, on ${coldStart.runs.length} fresh services: searches of ${coldStart.trials} trials (target: the first within 20 % of the next; the first prediction ≤ 2 s).`,
        '',
        '| service | first search s | next search s | first / next | first prediction s |',
        '| --- | --- | --- | --- | --- |',
        ...coldStart.runs.map(
          (r, i) => `| ${i + 1} | ${fmt(r.firstSearchSeconds, 2)} | ${fmt(r.nextSearchSeconds, 2)} | ${fmt(r.firstToNextRatio, 2)} | ${fmt(r.firstPredictionSeconds, 1)} |`,
        ),
        `| median | | | ${fmt(coldStart.median.firstToNextRatio, 2)} | ${fmt(coldStart.median.firstPredictionSeconds, 1)} |`,
        '',
      ]
    : []),
].join('\n');
await mkdir(values.out, { recursive: true });
await writeFile(join(values.out, 'results.json'), JSON.stringify({ config: values, coldStart, results }, null, 2));
await writeFile(join(values.out, 'results.md'), markdown);
console.log(markdown);
