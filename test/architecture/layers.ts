/**
 * The layers of the codebase, innermost first (docs/architecture.md#layers): a module may import from its
 * own layer and the layers before it, never from a later one. The first rule whose path prefix matches a
 * file decides its layer.
 */
export const LAYERS = [
  {
    name: 'kernel',
    why: 'records, specs, states and summaries of searches, and the ports every other layer talks through',
    paths: [
      'src/search/',
      'src/errors.ts',
      'src/random/',
      'src/multiobjective/pareto.ts',
      'src/auth/tenant-id.ts',
      'src/auth/acting-tenant.ts',
      'src/store/store.ts',
      'src/artifacts/artifact-store.ts',
      'src/artifacts/tenant-prefix.ts',
      'src/artifacts/prefixed-artifact-store.ts',
      'src/events/events.ts',
      'src/jobs/job-queue.ts',
    ],
  },
  {
    name: 'domain',
    why: 'what can be built, what to try next, how good it is: spaces, strategies, predictors, evaluators and training',
    paths: ['src/spaces/', 'src/strategies/', 'src/predictors/', 'src/evaluators/', 'src/training/', 'src/multiobjective/', 'src/cost/', 'src/benchmarking/'],
  },
  {
    name: 'application',
    why: 'the controller, the jobs and the use cases, over the ports',
    paths: ['src/controller/', 'src/usecases/', 'src/jobs/run-trial.ts', 'src/jobs/run-agent-training.ts', 'src/jobs/dataset-access.ts', 'src/store/tenant-slots.ts'],
  },
  {
    name: 'adapters',
    why: 'the ports made real: DynamoDB and dynalite, S3 and folders, EventBridge, Batch and the local pool, AWS credentials, API keys and sessions',
    paths: ['src/store/', 'src/artifacts/', 'src/events/', 'src/jobs/', 'src/aws/', 'src/auth/'],
  },
  {
    name: 'transports',
    why: 'what starts and wires everything: the HTTP API, its SDK (typed from the API) and the CLI on it, the local service and its configuration, the Lambdas and the job entry',
    paths: ['src/api/', 'src/client/', 'src/cli/', 'src/local/', 'src/config.ts', 'functions/', 'batch/'],
  },
] as const;

/** The index in `LAYERS` of `file` (a path relative to the repository root). */
export function layerOf(file: string): number {
  const layer = LAYERS.findIndex((candidate) => candidate.paths.some((path) => file === path || file.startsWith(path)));
  if (layer < 0) throw new Error(`${file} belongs to no layer: add its folder to LAYERS (test/architecture/layers.ts) and docs/architecture.md`);
  return layer;
}
