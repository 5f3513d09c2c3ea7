import { join } from 'node:path';
import { DirectoryArtifactStore } from '../artifacts/directory-artifact-store.js';
import { PROJECT_ROOT } from '../config.js';
import { PolicyRegistry } from '../strategies/rl/policy-registry.js';

/**
 * The policies shipped in the repository (`policies/<space>/<name>/`), for the processes that start from
 * it: the local service, jobs, the CLI and the benchmarks hand it to the `rl` strategy and agent training.
 */
export function shippedPolicies(): PolicyRegistry {
  return new PolicyRegistry(new DirectoryArtifactStore(join(PROJECT_ROOT, 'policies')), '');
}
