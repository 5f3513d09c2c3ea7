import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { tick, type ControllerDeps } from '../controller/tick.js';
import { SearchHistories } from '../controller/search-history.js';
import type { BenchmarkCatalog } from '../evaluators/benchmarks.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { SearchRecord } from '../search/records.js';
import { isActiveSearch } from '../search/states.js';
import { EXAMPLE_SEARCH_SPEC, SearchSpecSchema } from '../search/spec.js';
import { dynamoClientConfig } from '../store/client-config.js';
import { DynamoDbStore } from '../store/dynamodb-store.js';
import { createTableInput } from '../store/table.js';
import { newSearchRecord } from '../usecases/new-search.js';
import { resolveSearchSpec } from '../usecases/resolve-spec.js';

/** The rehearsal's size: the cold-start benchmark's search, enough rounds for V8 to optimize what they run. */
const REHEARSAL_TRIALS = 100;
/** Ticks a rehearsal may take before it is given up: a search of 100 trials ends in far fewer. */
const MAX_TICKS = 1_000;

/** Its trials are benchmark lookups, answered in-process: a job would run against the service's own table. */
const NO_JOBS: JobQueue = {
  submit: () => Promise.reject(new Error('a rehearsal runs no jobs')),
  describe: async () => new Map(),
  terminate: async () => {},
};

/** How the start-up rehearsal went: its search's end and trials, in how long; or why there was none. */
export type RehearsalOutcome =
  | { readonly status: SearchRecord['status']; readonly trials: number; readonly seconds: number }
  | { readonly skipped: string };

export interface RehearsalDeps {
  /** The embedded dynalite's endpoint, answered in this thread (`answerInProcess`). */
  readonly endpoint: string;
  /** The service's table: the rehearsal's is a scratch table named after it, deleted at the end. */
  readonly tableName: string;
  readonly benchmarks: BenchmarkCatalog;
  readonly inProcess: NonNullable<ControllerDeps['inProcess']>;
}

/**
 * Runs one benchmark search at the controller's start, on a scratch table of the embedded DynamoDB,
 * through the same ticks, store and in-process evaluations as every search, then deletes the table. V8
 * compiles and optimizes their code (and dynalite's) then, not during the first search a user starts,
 * which took about 1.3 times as long as the next (issue #18; in a CPU profile dynalite alone spent three
 * times the CPU on it). Nothing of it reaches the service's table, its caches or its events.
 */
export async function rehearseSearch(deps: RehearsalDeps): Promise<RehearsalOutcome> {
  const started = performance.now();
  const tableName = `${deps.tableName}-rehearsal`;
  const client = new DynamoDBClient(dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: deps.endpoint }));
  try {
    // A service killed during its rehearsal left the table: start from an empty one.
    await dropTable(client, tableName);
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: tableName });
    const store = new DynamoDbStore({ tableName, client: dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: deps.endpoint }) });
    const spec = await resolveSearchSpec(SearchSpecSchema.parse(EXAMPLE_SEARCH_SPEC), deps.benchmarks, () => 1);
    const search = newSearchRecord('rehearsal', ulid(), { ...spec, budget: { ...spec.budget, maxTrialCount: REHEARSAL_TRIALS } }, new Date().toISOString());
    await store.createSearch(search);
    const controller: ControllerDeps = {
      store,
      queue: NO_JOBS,
      clock: () => new Date(),
      benchmarks: deps.benchmarks,
      // Its trials' simulated training time is not waited out: the API would not listen meanwhile.
      inProcess: { ...deps.inProcess, simulatedTimeScale: 0 },
      histories: new SearchHistories(),
      // This loop ticks it again; the service's events never hear of it.
      continueLater: () => {},
    };
    let ended = search;
    for (let ticks = 0; ticks < MAX_TICKS && isActiveSearch(ended.status); ticks++) {
      ended = (await tick(controller, search.tenantId, search.id)) ?? ended;
    }
    return { status: ended.status, trials: ended.trialCount, seconds: (performance.now() - started) / 1000 };
  } finally {
    // A table that could not be dropped is dropped at the next start; the outcome stands.
    await dropTable(client, tableName)
      .catch(() => undefined)
      .finally(() => client.destroy());
  }
}

/** Deletes the table and waits until it is gone: dynalite, like DynamoDB, deletes in the background. */
async function dropTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    return;
  }
  await waitUntilTableNotExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: tableName });
}
