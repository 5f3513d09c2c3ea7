/**
 * `npm run bench:load`: N concurrent benchmark searches on the local service (in its own process, on
 * loopback) while an HTTP load generator reads their progress; reports throughput, latency percentiles
 * and an invariant check that every search accounted every trial exactly once.
 *
 * Options: --searches 20 --trials 200 --parallel 8 --seconds 20 --connections 10 --out DIR
 * Bounded: the load generator stops after --seconds, the whole run after --timeout seconds (default 600).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { newApiKey } from '../../src/auth/api-keys.js';
import { createClient } from '../../src/client/index.js';
import { startServiceProcess, waitFor } from '../../src/local/service-process.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';

const { values } = parseArgs({
  options: {
    searches: { type: 'string', default: '20' },
    trials: { type: 'string', default: '200' },
    parallel: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '10' },
    timeout: { type: 'string', default: '600' },
    out: { type: 'string', default: join('bench-results', 'load') },
  },
});
const searches = Number(values.searches);
const trials = Number(values.trials);

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
  const started = performance.now();
  const ids = await Promise.all(
    Array.from({ length: searches }, (_, seed) =>
      client
        .createSearch({ ...EXAMPLE_SEARCH_SPEC, seed, budget: { maxTrialCount: trials, parallelTrialCount: Number(values.parallel) } })
        .then((s) => s.id),
    ),
  );

  // Readers poll what a dashboard or CLI would: the search list, and each search with its trials, best and front.
  const reads = ['', '/trials?limit=50', '/best', '/pareto'];
  const load = await autocannon({
    url: service.url,
    connections: Number(values.connections),
    headers: { authorization: `Bearer ${apiKey}` },
    duration: Number(values.seconds),
    requests: [
      { method: 'GET', path: '/v1/searches?limit=50' },
      ...ids.slice(0, 5).flatMap((id) => reads.map((read) => ({ method: 'GET' as const, path: `/v1/searches/${id}${read}` }))),
    ],
  });

  await waitFor(
    async () => ((await Promise.all(ids.map((id) => client.getSearch(id)))).every((s) => !['CREATED', 'RUNNING'].includes(s.status)) ? true : undefined),
    'every search to finish',
    Number(values.timeout) * 1000,
  );
  const wallSeconds = (performance.now() - started) / 1000;

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

  const result = {
    config: { searches, trials, parallel: Number(values.parallel), seconds: Number(values.seconds), connections: Number(values.connections) },
    wallSeconds,
    trialsPerSecond: (searches * trials) / wallSeconds,
    http: {
      requests: load.requests.total,
      requestsPerSecond: load.requests.average,
      latencyMs: { p50: load.latency.p50, p90: load.latency.p90, p99: load.latency.p99, max: load.latency.max },
      errors: load.errors,
      timeouts: load.timeouts,
      non2xx: load.non2xx,
    },
    invariant: { ok: violations.length === 0, violations },
  };
  const markdown = [
    '# Load benchmark',
    '',
    `${searches} searches x ${trials} trials (parallel ${values.parallel}) with ${values.connections} HTTP readers for ${values.seconds} s, on loopback.`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| wall time until every search finished | ${wallSeconds.toFixed(1)} s |`,
    `| trials per second (all searches) | ${result.trialsPerSecond.toFixed(1)} |`,
    `| HTTP requests (req/s) | ${result.http.requests} (${result.http.requestsPerSecond.toFixed(0)}) |`,
    `| latency p50 / p90 / p99 / max | ${load.latency.p50} / ${load.latency.p90} / ${load.latency.p99} / ${load.latency.max} ms |`,
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
