import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../api/app.js';
import { datasetFoldersAt } from '../artifacts/directory-artifact-store.js';
import { openArtifactStore, openTableShelf, s3BucketsOf } from '../artifacts/open-artifact-store.js';
import { PredictorService } from '../predictors/predictor-service.js';
import { PolicyRegistry } from '../strategies/rl/policy-registry.js';
import { shippedPolicies } from './shipped-policies.js';
import { tenantLimits, type ServiceConfig } from '../config.js';
import { BenchmarkCatalog } from '../evaluators/benchmarks.js';
import { dynamoClientConfig } from '../store/client-config.js';
import { DynamoDbStore } from '../store/dynamodb-store.js';
import { startEmbeddedDynamoDb } from './embedded-dynamodb.js';
import { ensureLocalApiKey } from './local-api-key.js';
import { EnsembleFitProcess } from './ensemble-fit-process.js';
import { ControllerThread } from './controller-thread.js';
import type { RehearsalOutcome } from './rehearsal.js';

export interface LocalService {
  readonly url: string;
  readonly dynamoEndpoint: string;
  /** The key of tenant `local` (also in `<dataDir>/api-key`). */
  readonly apiKey: string;
  /** Settles with the reason if the controller thread fails: searches no longer go on (`ControllerThread.failed`). */
  readonly failed: Promise<Error>;
  /** How the controller's start-up rehearsal went (`rehearseSearch`). */
  readonly rehearsal: RehearsalOutcome;
  close(): Promise<void>;
}

/**
 * The embedded default: dynalite, the local job pool, the in-process event bus and the HTTP API in one
 * process (the controller and dynalite on threads of their own), wired exactly as the cloud adapters are.
 * Restarting it on the same `dataDir` resumes every unfinished search: the first sweep ticks them, and
 * jobs lost with the old process are resubmitted.
 */
export async function startLocalService(config: ServiceConfig): Promise<LocalService> {
  const dynamo = await startEmbeddedDynamoDb(config.dataDir, config.tableName);
  const store = new DynamoDbStore({ tableName: config.tableName, client: dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: dynamo.endpoint }) });
  const clock = () => new Date();
  const artifacts = openArtifactStore(config.artifacts);
  // Predictors train in a process of their own (issue #18): the API and the controller go on meanwhile.
  const fitProcess = new EnsembleFitProcess();
  const predictors = new PredictorService({ store, artifacts, clock, fitter: fitProcess.fit });
  // The rl strategy finds policies trained here (nas agent train) first, then those shipped with the product.
  const policies = [new PolicyRegistry(artifacts), shippedPolicies()];
  // The API checks specs against it.
  const benchmarks = new BenchmarkCatalog(config.benchmarksDir, openTableShelf(config.tables));
  // The controller runs on a thread of its own; its store tells this one what it writes.
  const controller = await ControllerThread.start(config, dynamo, (write) => store.heard(write)).catch(async (error: unknown) => {
    await dynamo.close();
    throw error;
  });

  // The operator's folder of dir: datasets exists from the start, so that it is clear where they go.
  if (config.datasetsRoot !== undefined) await mkdir(config.datasetsRoot, { recursive: true });
  const datasets = { ...(config.datasetsRoot === undefined ? {} : { folders: datasetFoldersAt(config.datasetsRoot) }), serviceBuckets: s3BucketsOf(config.artifacts, config.tables) };
  const containerTrials = config.containerCommands === 'local' ? { containerTrials: 'local-commands' as const } : {};
  const app = createApp({
    store,
    events: controller,
    benchmarks,
    clock,
    limits: tenantLimits(config),
    credentialCacheSeconds: config.credentialCacheSeconds,
    searchCacheSeconds: config.searchCacheSeconds,
    artifacts,
    predictors,
    datasets,
    policies,
    ...containerTrials,
  });
  const apiKey = await ensureLocalApiKey(store, config.dataDir, process.env, clock());
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  // Container trials' commands report to the API on this host, whatever address it listens on; unfinished
  // searches go on only now, so that their jobs can reach the API.
  await controller.begin(`http://${reachableHost(config.host)}:${port}`);

  return {
    url: `http://${config.host}:${port}`,
    dynamoEndpoint: dynamo.endpoint,
    apiKey,
    failed: controller.failed,
    rehearsal: controller.rehearsal,
    async close() {
      // Open event streams of running searches never end by themselves: cut them, or close() would wait.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
      await controller.close();
      // A predictor still training is abandoned (it trains again on next use) rather than waited for.
      await fitProcess.close();
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
