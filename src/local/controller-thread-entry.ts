import { setPriority } from 'node:os';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { openArtifactStore, openTableShelf } from '../artifacts/open-artifact-store.js';
import { JOB_ENTRY, type ServiceConfig } from '../config.js';
import { EvaluationTurns } from '../controller/in-process-trials.js';
import { QuietPeriod } from '../controller/quiet-period.js';
import { SearchHistories } from '../controller/search-history.js';
import { tick } from '../controller/tick.js';
import { createBenchmarkEvaluator } from '../evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../evaluators/benchmarks.js';
import type { SearchEvent } from '../events/events.js';
import { InProcessEvents } from '../events/in-process-events.js';
import { evaluatorKindLookup } from '../jobs/evaluator-kinds.js';
import { EvaluatorRoutedQueue } from '../jobs/evaluator-routed-queue.js';
import { ExternalLeaseQueue } from '../jobs/external-lease-queue.js';
import { LocalJobPool } from '../jobs/local-job-pool.js';
import { PredictorService } from '../predictors/predictor-service.js';
import { answerInProcess, dynamoClientConfig } from '../store/client-config.js';
import { DynamoDbStore } from '../store/dynamodb-store.js';
import { MessagePortRequestHandler } from '../store/message-port-handler.js';
import type { SearchWrite } from '../store/recent-searches.js';
import { PolicyRegistry } from '../strategies/rl/policy-registry.js';
import { PredictionWarmup } from '../usecases/prediction-warmup.js';
import { EnsembleFitProcess } from './ensemble-fit-process.js';
import { rehearseSearch, type RehearsalOutcome } from './rehearsal.js';
import { shippedPolicies } from './shipped-policies.js';

/** What the service hands its controller thread at start. */
export interface ControllerThreadData {
  readonly config: ServiceConfig;
  /** The embedded dynalite's endpoint, for trial jobs, and a message port to it, for this thread's store. */
  readonly endpoint: string;
  readonly dynamo: MessagePort;
}

export type ToControllerThread =
  | { readonly type: 'event'; readonly event: SearchEvent }
  /** The API listens at `apiUrl`: jobs may start, and unfinished searches go on. */
  | { readonly type: 'begin'; readonly apiUrl: string }
  | { readonly type: 'close' };

export type FromControllerThread =
  /** Set up, and the start-up rehearsal over (`rehearseSearch`). */
  | { readonly type: 'ready'; readonly rehearsal: RehearsalOutcome }
  | { readonly type: 'begun' }
  /** This thread's store wrote a search record: the API's store answers it at once (`DynamoDbStore.heard`). */
  | { readonly type: 'search-write'; readonly write: SearchWrite }
  | { readonly type: 'closed' };

/** Searches evaluating in-process at once: enough to keep dynalite's thread busy, few enough that the machine's cores are left to the API's reads. */
const EVALUATION_TURNS = 3;
/**
 * How long the controller must have been idle before it warms an ended search's predictors: more than the
 * time between one search's end and a user (or script) starting the next.
 */
const WARM_UP_AFTER_QUIET_MS = 500;
/** How long a warm-up waits for that at most: on a controller never idle, warm-ups still run, one at a time. */
const WARM_UP_MAX_WAIT_MS = 30_000;

const { config, endpoint, dynamo } = workerData as ControllerThreadData;
// On Linux niceness is each thread's own (pid 0: this thread), so the API's thread keeps its priority.
if (config.controllerNiceness > 0) {
  try {
    setPriority(0, config.controllerNiceness);
  } catch (error) {
    console.warn('the controller thread keeps its priority:', error);
  }
}
const port = parentPort!;
const send = (message: FromControllerThread) => port.postMessage(message);

// This thread's store reaches dynalite over its own message port, as the API's does from the main thread.
answerInProcess(endpoint, new MessagePortRequestHandler(dynamo));
const storeEnv = { NAS_DYNAMODB_ENDPOINT: endpoint, NAS_TABLE: config.tableName };
const store = new DynamoDbStore({
  tableName: config.tableName,
  client: dynamoClientConfig(storeEnv),
  onSearchWrite: (write) => send({ type: 'search-write', write: withoutTrialBatch(write) }),
});

const clock = () => new Date();
const artifacts = openArtifactStore(config.artifacts);
// Predictors train in a process of their own: for searches that pre-screen their proposals, and to warm
// those of a search that ended (stored as artifacts, where the API's `PredictorService` finds them).
const fitProcess = new EnsembleFitProcess();
const predictors = new PredictorService({ store, artifacts, clock, fitter: fitProcess.fit });
// Each warm-up waits until no search has ticked for a while: the searches that run go first.
const activity = new QuietPeriod(WARM_UP_AFTER_QUIET_MS);
const warmup = config.warmPredictors
  ? new PredictionWarmup(
      { predictors },
      (error, search) => console.error(`warming the predictors of search ${search.id} failed:`, error),
      () => activity.quiet(WARM_UP_MAX_WAIT_MS),
    )
  : undefined;
// The rl strategy finds policies trained here (nas agent train) first, then those shipped with the product.
const policies = [new PolicyRegistry(artifacts), shippedPolicies()];
// Searches over imported tables propose the tables' rows only.
const benchmarks = new BenchmarkCatalog(config.benchmarksDir, openTableShelf(config.tables));

// Completed by 'begin' (`NAS_API_URL`), before the first job starts.
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
const continueLater = (tenantId: string, searchId: string) => events.publish({ type: 'SearchSwept', tenantId, searchId });
// Trials of external searches are leased to the user's workers over the API; the pool runs the others.
const queue = new EvaluatorRoutedQueue({ evaluatorKind: evaluatorKindLookup(store), jobs: pool, external: new ExternalLeaseQueue(store) });
const controller = { store, queue, clock, policies, predictors, benchmarks, staleAfterSeconds: config.staleAfterSeconds, inProcess, histories: new SearchHistories(), continueLater };
const events: InProcessEvents = new InProcessEvents(
  async (tenantId, searchId) => {
    // Not `warmup?.afterTick(await tick(...))`: without a warm-up that would skip its argument, the tick.
    const search = await activity.during(() => tick(controller, tenantId, searchId));
    warmup?.afterTick(search);
  },
  (error, event) => console.error(`controller failed on ${event.type} for search ${event.searchId}:`, error),
);

const sweep = async () => {
  try {
    for (const { tenantId, searchId } of await store.listActiveSearches()) events.publish({ type: 'SearchSwept', tenantId, searchId });
  } catch (error) {
    console.error('sweep failed:', error);
  }
};
let sweepTimer: NodeJS.Timeout | undefined;

port.on('message', (message: ToControllerThread) => {
  if (message.type === 'event') events.publish(message.event);
  else if (message.type === 'begin') {
    jobEnv.NAS_API_URL = message.apiUrl;
    // Unfinished searches go on only now, so that their jobs can reach the API.
    void sweep().then(() => {
      sweepTimer = setInterval(sweep, config.sweepSeconds * 1000);
      send({ type: 'begun' });
    });
  } else void close().then(() => send({ type: 'closed' }));
});
// NB201's table loads and a search is rehearsed on it before the API takes requests: the first search a
// user starts then runs as fast as the next (a table that cannot load leaves nothing to rehearse; the
// searches that need it fail with the reason).
const rehearsal = await inProcess.evaluator
  .warm()
  .then(() => rehearseSearch({ endpoint, tableName: config.tableName, benchmarks, inProcess }))
  .catch((error: unknown): RehearsalOutcome => ({ skipped: error instanceof Error ? error.message : String(error) }));
send({ type: 'ready', rehearsal });

async function close(): Promise<void> {
  clearInterval(sweepTimer);
  events.close();
  await pool.close();
  // A predictor still training is abandoned (it trains again on next use) rather than waited for.
  warmup?.close();
  await fitProcess.close();
  await events.idle();
  await warmup?.idle();
}

/**
 * A saved record as the API's store hears of it: without the finished trials it carries until they are
 * written (`ledger.batch`), which no read route looks at and which would be most of the message: up to 48
 * trials per round, copied into the API's thread at every round of every search.
 */
function withoutTrialBatch(write: SearchWrite): SearchWrite {
  if (write.kind !== 'saved' || !write.search.ledger?.batch.length) return write;
  return { kind: 'saved', search: { ...write.search, ledger: { ...write.search.ledger, batch: [] } } };
}
