import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS, DEFAULT_SEARCH_CACHE_SECONDS, type TenantLimits } from './api/deps.js';
import { DEFAULT_CREDENTIAL_CACHE_SECONDS } from './auth/credential-cache.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** What every job runs: a Batch container's command, and each child process of the local job pool. */
export const JOB_ENTRY = join(PROJECT_ROOT, 'batch', 'job.ts');

/** Settings of the local service and of job workers, all from environment variables. */
export interface ServiceConfig {
  /** HTTP port (`PORT`, default 8080; 0 picks a free one). */
  readonly port: number;
  /** Interface to listen on (`HOST`, default 127.0.0.1). */
  readonly host: string;
  /** Where the embedded DynamoDB keeps its files (`NAS_DATA_DIR`, default `.nas-data`). */
  readonly dataDir: string;
  /** Checkpoints, trained models and policies: a directory, or `s3://<bucket>/<prefix>` (`NAS_ARTIFACTS`, default `<dataDir>/artifacts`). */
  readonly artifacts: string;
  /** Folder with `nb201/nb201.csv` and `nb301/` (`NAS_BENCHMARKS_DIR`, default `../shared/benchmarks` beside the repo). */
  readonly benchmarksDir: string;
  /** Imported benchmark tables: a directory, or `s3://<bucket>/<prefix>` (`NAS_TABLES`, default `<benchmarksDir>/tables`). */
  readonly tables: string;
  /** Child processes running trial jobs (`NAS_WORKERS`, default: CPU count). */
  readonly workers: number;
  /** See `RunTrialDeps.simulatedTimeScale` (`NAS_SIMULATED_TIME_SCALE`, default 0). */
  readonly simulatedTimeScale: number;
  /** How often every active search is ticked, to catch lost jobs (`NAS_SWEEP_SECONDS`, default 10). */
  readonly sweepSeconds: number;
  /** DynamoDB table name (`NAS_TABLE`, default `nas`). */
  readonly tableName: string;
  /** How often a running job records a heartbeat (`NAS_HEARTBEAT_SECONDS`, default 30). */
  readonly heartbeatSeconds: number;
  /** Silence after which a running trial is STALE and runs again (`NAS_STALE_AFTER_SECONDS`, default 300). */
  readonly staleAfterSeconds: number;
  /** Per-tenant `/v1` requests per minute (`NAS_RATE_LIMIT_PER_MINUTE`, default 600). */
  readonly requestsPerMinute: number;
  /**
   * The only folder `dir:` datasets may name, relative to it (`NAS_DATASETS_ROOT`, default
   * `<dataDir>/datasets`; `none` refuses `dir:` datasets, as the cloud deployment does).
   */
  readonly datasetsRoot?: string;
  /** Per-tenant unfinished searches (`NAS_MAX_ACTIVE_SEARCHES`, default 20). */
  readonly maxActiveSearches: number;
  /** Per-tenant open event streams (`NAS_MAX_EVENT_STREAMS`, default 5). */
  readonly maxEventStreams: number;
  /**
   * Seconds an API key or dashboard session found in the store is trusted before it is read again
   * (`NAS_CREDENTIAL_CACHE_SECONDS`, default 5; 0 reads them on every request): the longest a key revoked
   * by `nas admin` or a session ended in another process still opens this one.
   */
  readonly credentialCacheSeconds: number;
  /**
   * Seconds a read route may answer from a search record this process read or wrote
   * (`NAS_SEARCH_CACHE_SECONDS`, default 1; 0 reads the store on every request): how long a change written
   * by another process (a trial job's progress, another API Lambda) may take to show.
   */
  readonly searchCacheSeconds: number;
  /**
   * The controller thread's CPU niceness (`NAS_CONTROLLER_NICENESS`, 0-19, default 10): the API's reads go
   * first when the cores are busy, and searches (and the trial jobs the controller starts, which inherit
   * it) take what is left, behind every other busy process of the machine too; 0 shares evenly. Under
   * `bench:load` 10 halved the reads' p99 and cost a fifth of the trials/s (docs/benchmarks.md).
   */
  readonly controllerNiceness: number;
  /**
   * Train the predictors of each search that finishes, in the background, so the first prediction after it
   * answers at once (`NAS_WARM_PREDICTORS`: on unless `0`). The training runs in a process of its own, so
   * the API answers meanwhile; it takes a core for its time (seconds for a few hundred trials, minutes for
   * many thousands on the 2-core test machine), which `0` gives back.
   */
  readonly warmPredictors: boolean;
  /**
   * Whether `container` trials may run their command as a process on this host (`NAS_CONTAINER_COMMANDS`:
   * `local`, the default, or `off`). Any tenant of the service could then run any command here, as this
   * service's user: turn it off for a service others reach. The cloud's jobs are started with `off`.
   */
  readonly containerCommands: 'local' | 'off';
}

function numberFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}, got '${raw}'`);
  return value;
}

function nicenessFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = numberFrom(env, name, fallback, 0);
  if (!Number.isInteger(value) || value > 19) throw new Error(`${name} must be a whole number from 0 to 19, got '${env[name]}'`);
  return value;
}

/** The API's per-tenant limits out of the service's settings. */
export function tenantLimits(config: ServiceConfig): TenantLimits {
  return { requestsPerMinute: config.requestsPerMinute, maxActiveSearches: config.maxActiveSearches, maxEventStreams: config.maxEventStreams };
}

function datasetsRootFrom(env: NodeJS.ProcessEnv): { datasetsRoot?: string } {
  const raw = env.NAS_DATASETS_ROOT;
  if (raw === 'none') return {};
  return { datasetsRoot: resolve(raw || join(env.NAS_DATA_DIR || '.nas-data', 'datasets')) };
}

function containerCommandsFrom(env: NodeJS.ProcessEnv): ServiceConfig['containerCommands'] {
  const raw = env.NAS_CONTAINER_COMMANDS || 'local';
  if (raw !== 'local' && raw !== 'off') throw new Error(`NAS_CONTAINER_COMMANDS must be local or off, got '${raw}'`);
  return raw;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const benchmarksDir = resolve(env.NAS_BENCHMARKS_DIR || resolve(PROJECT_ROOT, '..', 'shared', 'benchmarks'));
  return {
    port: numberFrom(env, 'PORT', 8080, 0),
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.NAS_DATA_DIR || '.nas-data'),
    artifacts: env.NAS_ARTIFACTS?.startsWith('s3://') ? env.NAS_ARTIFACTS : resolve(env.NAS_ARTIFACTS || join(env.NAS_DATA_DIR || '.nas-data', 'artifacts')),
    benchmarksDir,
    ...datasetsRootFrom(env),
    tables: env.NAS_TABLES?.startsWith('s3://') ? env.NAS_TABLES : resolve(env.NAS_TABLES || join(benchmarksDir, 'tables')),
    workers: numberFrom(env, 'NAS_WORKERS', cpus().length, 1),
    simulatedTimeScale: numberFrom(env, 'NAS_SIMULATED_TIME_SCALE', 0, 0),
    sweepSeconds: numberFrom(env, 'NAS_SWEEP_SECONDS', 10, 0.1),
    tableName: env.NAS_TABLE || 'nas',
    heartbeatSeconds: numberFrom(env, 'NAS_HEARTBEAT_SECONDS', 30, 0.1),
    staleAfterSeconds: numberFrom(env, 'NAS_STALE_AFTER_SECONDS', 300, 1),
    requestsPerMinute: numberFrom(env, 'NAS_RATE_LIMIT_PER_MINUTE', DEFAULT_LIMITS.requestsPerMinute, 1),
    maxActiveSearches: numberFrom(env, 'NAS_MAX_ACTIVE_SEARCHES', DEFAULT_LIMITS.maxActiveSearches, 1),
    maxEventStreams: numberFrom(env, 'NAS_MAX_EVENT_STREAMS', DEFAULT_LIMITS.maxEventStreams, 1),
    credentialCacheSeconds: numberFrom(env, 'NAS_CREDENTIAL_CACHE_SECONDS', DEFAULT_CREDENTIAL_CACHE_SECONDS, 0),
    searchCacheSeconds: numberFrom(env, 'NAS_SEARCH_CACHE_SECONDS', DEFAULT_SEARCH_CACHE_SECONDS, 0),
    controllerNiceness: nicenessFrom(env, 'NAS_CONTROLLER_NICENESS', 10),
    warmPredictors: env.NAS_WARM_PREDICTORS !== '0',
    containerCommands: containerCommandsFrom(env),
  };
}
