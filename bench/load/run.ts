/**
 * `npm run bench:load`: N concurrent benchmark searches on the local service (in its own process, on
 * loopback) while an HTTP load generator reads their progress; reports throughput, latency percentiles
 * and an invariant check that every search accounted every trial exactly once.
 *
 * Trials per second are measured by the service's clock, from the first search's creation to the last one's
 * end; the readers read while the searches run and stop when the last one ends (or after --seconds, if
 * sooner), so their numbers are those of reads under load. (Until issue #18's third pass the readers ran a
 * fixed --seconds and the searches were timed to after it: 4,000 trials could never show more than 200/s.)
 * Progress is sampled every 250 ms with one list request, to say how fast trials went while the readers ran.
 *
 * The service is warmed first (--warm-up 100: one search of that many trials run to its end, each read route
 * asked once), as a service that has been up a while is: its first seconds, while it loads the NB201 table
 * and compiles its code, are `bench:scale`'s cold start, not load (--warm-up 0 measures them here too).
 *
 * --reads-only runs the searches to their end first and then reads them for --seconds: what reads cost alone.
 *
 * Options: --searches 20 --trials 200 --parallel 8 --seconds 20 --connections 10 --warm-up 100 --reads-only --out DIR (at most 100 searches)
 * Bounded: the load generator stops after --seconds at most, the whole run after --timeout seconds (default 600).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { newApiKey } from '../../src/auth/api-keys.js';
import { createClient } from '../../src/client/index.js';
import { percentile } from '../../src/benchmarking/statistics.js';
import { startServiceProcess, waitFor } from '../../src/local/service-process.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';

const { values } = parseArgs({
  options: {
    searches: { type: 'string', default: '20' },
    trials: { type: 'string', default: '200' },
    parallel: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '10' },
    'warm-up': { type: 'string', default: '100' },
    'reads-only': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '600' },
    out: { type: 'string', default: join('bench-results', 'load') },
  },
});
const searches = Number(values.searches);
const trials = Number(values.trials);
/** Reads' latencies are also reported per slice of this many ms, to tell a slow start from a slow load. */
const SLICE_MS = 500;

const dataDir = await mkdtemp(join(tmpdir(), 'nas-load-'));
const apiKey = newApiKey();
// The load generator is one tenant: lift its rate limit and quota, or the bench would measure the 429s.
const service = await startServiceProcess({
  NAS_API_KEY: apiKey,
  NAS_DATA_DIR: dataDir,
  NAS_WORKERS: '2',
  NAS_RATE_LIMIT_PER_MINUTE: '100000000',
  NAS_MAX_ACTIVE_SEARCHES: '10000',
});
try {
  const client = createClient({ baseUrl: service.url, apiKey });
  const warmUpTrials = Number(values['warm-up']);
  if (warmUpTrials > 0) {
    const { id } = await client.createSearch({ ...EXAMPLE_SEARCH_SPEC, seed: searches, budget: { maxTrialCount: warmUpTrials, parallelTrialCount: Number(values.parallel) } });
    await waitFor(async () => ((await client.getSearch(id)).status === 'SUCCEEDED' ? true : undefined), 'the warm-up search');
    await Promise.all([client.listSearches(), client.listTrials(id), client.bestTrial(id), client.pareto(id)]);
  }
  const started = performance.now();
  const ids = await Promise.all(
    Array.from({ length: searches }, (_, seed) =>
      client
        .createSearch({ ...EXAMPLE_SEARCH_SPEC, seed, budget: { maxTrialCount: trials, parallelTrialCount: Number(values.parallel) } })
        .then((s) => s.id),
    ),
  );

  // Progress and the end of the searches, from one list request every 250 ms (the readers' load is the load).
  const progress: { t: number; trials: number }[] = [];
  const watching = (async () => {
    const deadline = performance.now() + Number(values.timeout) * 1000;
    for (;;) {
      const page = await client.listSearches({ limit: 100 });
      const mine = page.items.filter((s) => ids.includes(s.id));
      progress.push({ t: (performance.now() - started) / 1000, trials: mine.reduce((sum, s) => sum + s.trialCount, 0) });
      if (mine.length === ids.length && mine.every((s) => !['CREATED', 'RUNNING'].includes(s.status))) return;
      if (performance.now() > deadline) throw new Error(`the searches did not finish in ${values.timeout} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();

  // Readers poll what a dashboard or CLI would: the search list, and each search with its trials, best and front.
  // They read while the searches run: they stop when the last search ends (or after --seconds, if sooner).
  const reads = ['', '/trials?limit=50', '/best', '/pareto'];
  if (values['reads-only']) await watching;
  const readsStarted = (performance.now() - started) / 1000;
  let stopReaders = () => {};
  const latencyBySlice: number[][] = [];
  const reading = new Promise<autocannon.Result>((resolve, reject) => {
    const tracker = autocannon(
      {
        url: service.url,
        connections: Number(values.connections),
        headers: { authorization: `Bearer ${apiKey}` },
        duration: Number(values.seconds),
        requests: [
          { method: 'GET', path: '/v1/searches?limit=50' },
          ...ids.slice(0, 5).flatMap((id) => reads.map((read) => ({ method: 'GET' as const, path: `/v1/searches/${id}${read}` }))),
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    stopReaders = () => tracker.stop();
    // Latencies by half-second of the reads, to tell a slow start from a slow load.
    const readersStarted = performance.now();
    tracker.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      (latencyBySlice[Math.floor((performance.now() - readersStarted) / SLICE_MS)] ??= []).push(ms);
    });
  });
  try {
    // Under load the readers stop when the last search ends; alone, they read for --seconds.
    await (values['reads-only'] ? reading : watching);
  } finally {
    stopReaders();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const load = await reading;
  const readsEnded = readsStarted + load.duration;

  // Throughput by the service's own clock: from the first search's creation to the last one's end.
  const finished = await Promise.all(ids.map((id) => client.getSearch(id)));
  const serviceSeconds = (Math.max(...finished.map((s) => Date.parse(s.finishedAt!))) - Math.min(...finished.map((s) => Date.parse(s.createdAt)))) / 1000;
  // Trials per second over the samples taken while the readers ran.
  const during = progress.filter((p) => p.t >= readsStarted && p.t <= readsEnded);
  const trialsPerSecondWhileReading =
    during.length >= 2 ? (during.at(-1)!.trials - during[0]!.trials) / (during.at(-1)!.t - during[0]!.t) : undefined;

  // Every trial accounted exactly once: numbers 1..N, distinct architectures, counters equal the records.
  const violations: string[] = [];
  for (const id of ids) {
    const search = await client.getSearch(id);
    const all = await client.allTrials(id);
    const counted = Object.values(search.trialStatusCounters).reduce((a, b) => a + b, 0);
    if (search.status !== 'SUCCEEDED') violations.push(`${id}: ${search.status}`);
    if (all.length !== trials || search.trialCount !== trials || counted !== trials) violations.push(`${id}: ${all.length} trials, trialCount ${search.trialCount}, counters ${counted}`);
    if (all.some((t, i) => t.number !== i + 1)) violations.push(`${id}: trial numbers have gaps or repeats`);
    if (new Set(all.map((t) => t.archHash)).size !== all.length) violations.push(`${id}: an architecture was evaluated twice`);
    if (all.some((t) => t.status !== 'SUCCEEDED')) violations.push(`${id}: not every trial succeeded`);
  }

  const afterFirstSlice = latencyBySlice.slice(1).flat().sort((a, b) => a - b);
  const result = {
    config: { searches, trials, parallel: Number(values.parallel), seconds: Number(values.seconds), connections: Number(values.connections), warmUpTrials, readsOnly: values['reads-only'] },
    wallSeconds,
    serviceSeconds,
    trialsPerSecond: (searches * trials) / serviceSeconds,
    trialsPerSecondWhileReading,
    progress,
    http: {
      seconds: load.duration,
      requests: load.requests.total,
      requestsPerSecond: load.requests.total / load.duration,
      latencyMs: { p50: load.latency.p50, p90: load.latency.p90, p99: load.latency.p99, max: load.latency.max },
      errors: load.errors,
      timeouts: load.timeouts,
      non2xx: load.non2xx,
      statusCodes: load.statusCodeStats,
    },
    invariant: { ok: violations.length === 0, violations },
    /** p99 of the reads after their first half-second, when the load generator's connections are new (ms). */
    p99AfterFirstSlice: afterFirstSlice.length > 0 ? percentile(afterFirstSlice, 99) : undefined,
    /** p50 / p99 / max of the reads' latencies in each half-second, in ms. */
    latencyBySlice: Array.from(latencyBySlice, (slice = []) => {
      const sorted = slice.sort((a, b) => a - b);
      if (sorted.length === 0) return { requests: 0, p50: undefined, p99: undefined, max: undefined };
      return { requests: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) };
    }),
  };
  const markdown = [
    '# Load benchmark',
    '',
    `${searches} searches x ${trials} trials (parallel ${values.parallel}) with ${values.connections} HTTP readers ${values['reads-only'] ? `for ${values.seconds} s once they ended` : `while they run (at most ${values.seconds} s)`}, on loopback, ${warmUpTrials > 0 ? `after a warm-up search of ${warmUpTrials} trials` : 'from the service\'s start (no warm-up)'}.`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| time from the first search created to the last one finished (service clock) | ${serviceSeconds.toFixed(1)} s |`,
    `| trials per second (all searches) | ${result.trialsPerSecond.toFixed(1)} |`,
    `| trials per second while the readers ran | ${trialsPerSecondWhileReading === undefined ? 'n/a (too short to sample)' : trialsPerSecondWhileReading.toFixed(1)} |`,
    `| HTTP reads${values['reads-only'] ? '' : ' while the searches ran'}: requests in s (req/s) | ${result.http.requests} in ${load.duration.toFixed(1)} s (${result.http.requestsPerSecond.toFixed(0)}) |`,
    `| latency p50 / p90 / p99 / max | ${load.latency.p50} / ${load.latency.p90} / ${load.latency.p99} / ${load.latency.max} ms |`,
    `| p99 after the readers' first half-second | ${result.p99AfterFirstSlice?.toFixed(0) ?? 'n/a'} ms |`,
    `| p99 in each half-second of the reads | ${result.latencyBySlice.map((slice) => slice.p99?.toFixed(0) ?? '-').join(', ')} ms |`,
    `| errors / timeouts / non-2xx | ${load.errors} / ${load.timeouts} / ${load.non2xx} |`,
    `| invariant: every trial accounted exactly once | ${result.invariant.ok ? 'holds' : `VIOLATED: ${violations.join('; ')}`} |`,
    '',
  ].join('\n');
  await mkdir(values.out, { recursive: true });
  await writeFile(join(values.out, 'results.json'), JSON.stringify(result, null, 2));
  await writeFile(join(values.out, 'results.md'), markdown);
  console.log(markdown);
  if (!result.invariant.ok) process.exitCode = 1;
} finally {
  await service.stop();
  await rm(dataDir, { recursive: true, force: true });
}
