import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../api/app.js';
import { datasetFoldersAt } from '../artifacts/directory-artifact-store.js';
import { openArtifactStore, openTableShelf, s3BucketsOf } from '../artifacts/open-artifact-store.js';
import { PredictorService } from '../predictors/predictor-service.js';
import { PolicyRegistry } from '../strategies/rl/policy-registry.js';
import { shippedPolicies } from './shipped-policies.js';
import { JOB_ENTRY, tenantLimits, type ServiceConfig } from '../config.js';
import { tick } from '../controller/tick.js';
import { EvaluationTurns } from '../controller/in-process-trials.js';
import { SearchHistories } from '../controller/search-history.js';
import { createBenchmarkEvaluator } from '../evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../evaluators/benchmarks.js';
import { InProcessEvents } from '../events/in-process-events.js';
import { LocalJobPool } from '../jobs/local-job-pool.js';
import { evaluatorKindLookup } from '../jobs/evaluator-kinds.js';
import { EvaluatorRoutedQueue } from '../jobs/evaluator-routed-queue.js';
import { ExternalLeaseQueue } from '../jobs/external-lease-queue.js';
import { dynamoClientConfig } from '../store/client-config.js';
import { DynamoDbStore } from '../store/dynamodb-store.js';
import { startEmbeddedDynamoDb } from './embedded-dynamodb.js';
import { ensureLocalApiKey } from './local-api-key.js';
import { PredictionWarmup } from '../usecases/prediction-warmup.js';
import { EnsembleFitProcess } from './ensemble-fit-process.js';

/** Searches evaluating in-process at once: enough to keep dynalite's thread busy, few enough that reads are not queued behind them. */
const EVALUATION_TURNS = 3;

export interface LocalService {
  readonly url: string;
  readonly dynamoEndpoint: string;
  /** The key of tenant `local` (also in `<dataDir>/api-key`). */
  readonly apiKey: string;
  close(): Promise<void>;
}

/**
 * The embedded default: dynalite, the local job pool, the in-process event bus and the HTTP API in one
 * process, wired exactly as the cloud adapters are. Restarting it on the same `dataDir` resumes every
 * unfinished search: the first sweep ticks them, and jobs lost with the old process are resubmitted.
 */
export async function startLocalService(config: ServiceConfig): Promise<LocalService> {
  const dynamo = await startEmbeddedDynamoDb(config.dataDir, config.tableName);
  const storeEnv = { NAS_DYNAMODB_ENDPOINT: dynamo.endpoint, NAS_TABLE: config.tableName };
  const store = new DynamoDbStore({ tableName: config.tableName, client: dynamoClientConfig(storeEnv) });
  const clock = () => new Date();
  const artifacts = openArtifactStore(config.artifacts);
  // Predictors train in a process of their own (issue #18): the API and the controller go on meanwhile.
  const fitProcess = new EnsembleFitProcess();
  const predictors = new PredictorService({ store, artifacts, clock, fitter: fitProcess.fit });
  // The rl strategy finds policies trained here (nas agent train) first, then those shipped with the product.
  const policies = [new PolicyRegistry(artifacts), shippedPolicies()];
  // The API checks specs against it; the controller keeps searches over imported tables to the tables' rows.
  const benchmarks = new BenchmarkCatalog(config.benchmarksDir, openTableShelf(config.tables));

  // Completed once the server listens (`NAS_API_URL`), before the first job starts: jobs start after that.
  const jobEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...storeEnv,
    NAS_BENCHMARKS_DIR: config.benchmarksDir,
    NAS_TABLES: config.tables,
    NAS_ARTIFACTS: config.artifacts,
    NAS_DATASETS_ROOT: config.datasetsRoot ?? 'none',
    NAS_SIMULATED_TIME_SCALE: String(config.simulatedTimeScale),
    NAS_HEARTBEAT_SECONDS: String(config.heartbeatSeconds),
    NAS_CONTAINER_COMMANDS: config.containerCommands,
  };
  const pool: LocalJobPool = new LocalJobPool({
    entry: JOB_ENTRY,
    workers: config.workers,
    env: jobEnv,
    onJobEnded: (job) => events.publish({ type: 'TrialJobEnded', ...job }),
  });
  // Benchmark lookups are answered by the controller itself; the pool runs training only (issue #18).
  const inProcess = { evaluator: createBenchmarkEvaluator(benchmarks), simulatedTimeScale: config.simulatedTimeScale, turns: new EvaluationTurns(EVALUATION_TURNS) };
  const histories = new SearchHistories();
  // Tables and the surrogate load in the background from the start: the first search does not wait for them.
  const warming = inProcess.evaluator.warm().catch((error: unknown) => console.error('warming the benchmark tables failed:', error));
  const continueLater = (tenantId: string, searchId: string) => events.publish({ type: 'SearchSwept', tenantId, searchId });
  // Trials of external searches are leased to the user's workers over the API; the pool runs the others.
  const queue = new EvaluatorRoutedQueue({ evaluatorKind: evaluatorKindLookup(store), jobs: pool, external: new ExternalLeaseQueue(store) });
  const controller = { store, queue, clock, policies, predictors, benchmarks, staleAfterSeconds: config.staleAfterSeconds, inProcess, histories, continueLater };
  const warmup = config.warmPredictors
    ? new PredictionWarmup({ predictors }, (error, search) => console.error(`warming the predictors of search ${search.id} failed:`, error))
    : undefined;
  const events: InProcessEvents = new InProcessEvents(
    async (tenantId, searchId) => {
      const search = await tick(controller, tenantId, searchId);
      warmup?.afterTick(search);
    },
    (error, event) => console.error(`controller failed on ${event.type} for search ${event.searchId}:`, error),
  );

  const sweep = async () => {
    try {
      for (const { tenantId, searchId } of await store.listActiveSearches()) {
        events.publish({ type: 'SearchSwept', tenantId, searchId });
      }
    } catch (error) {
      console.error('sweep failed:', error);
    }
  };

  // The operator's folder of dir: datasets exists from the start, so that it is clear where they go.
  if (config.datasetsRoot !== undefined) await mkdir(config.datasetsRoot, { recursive: true });
  const datasets = { ...(config.datasetsRoot === undefined ? {} : { folders: datasetFoldersAt(config.datasetsRoot) }), serviceBuckets: s3BucketsOf(config.artifacts, config.tables) };
  const containerTrials = config.containerCommands === 'local' ? { containerTrials: 'local-commands' as const } : {};
  const app = createApp({ store, events, benchmarks, clock, limits: tenantLimits(config), credentialCacheSeconds: config.credentialCacheSeconds, searchCacheSeconds: config.searchCacheSeconds, artifacts, predictors, datasets, policies, ...containerTrials });
  const apiKey = await ensureLocalApiKey(store, config.dataDir, process.env, clock());
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  // Container trials' commands report to the API on this host, whatever address it listens on.
  jobEnv.NAS_API_URL = `http://${reachableHost(config.host)}:${port}`;
  // Unfinished searches go on only now, so that their jobs can reach the API.
  await sweep();
  const sweepTimer = setInterval(sweep, config.sweepSeconds * 1000);

  return {
    url: `http://${config.host}:${port}`,
    dynamoEndpoint: dynamo.endpoint,
    apiKey,
    async close() {
      clearInterval(sweepTimer);
      // Open event streams of running searches never end by themselves: cut them, or close() would wait.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
      events.close();
      await warming;
      await pool.close();
      // A predictor still training is abandoned (it trains again on next use) rather than waited for.
      warmup?.close();
      await fitProcess.close();
      await events.idle();
      await warmup?.idle();
      await dynamo.close();
    },
  };
}

/** An address for `host` that a process on this machine can connect to: the loopback for a wildcard. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
