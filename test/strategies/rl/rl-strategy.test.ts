import { describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../../src/errors.js';
import { Rng } from '../../../src/random/rng.js';
import { nb201Space, type Nb201Cell } from '../../../src/spaces/nb201.js';
import { createQNetwork } from '../../../src/strategies/rl/networks.js';
import { observationLayout } from '../../../src/strategies/rl/observation.js';
import { policyWeights } from '../../../src/strategies/rl/policy-codec.js';
import { PolicyRegistry } from '../../../src/strategies/rl/policy-registry.js';
import { rlStrategy } from '../../../src/strategies/rl/rl-strategy.js';
import type { HistoryEntry } from '../../../src/strategies/strategy.js';
import { MemoryArtifactStore } from './memory-artifact-store.js';
import { manifestFor } from './fixtures.js';

async function storeWithPolicy(space = 'nb201') {
  const artifacts = new MemoryArtifactStore();
  const network = createQNetwork({ kind: 'mlp', hidden: [8] }, observationLayout(nb201Space), Rng.fromSeed(2));
  await new PolicyRegistry(artifacts).put(manifestFor('tiny', space), policyWeights(space, network));
  return artifacts;
}

const edits = (a: Nb201Cell, b: Nb201Cell) => a.filter((op, k) => op !== b[k]).length;
/** A made-up score: more convolutions is better. */
const score = (cell: Nb201Cell) => cell.filter((op) => op.startsWith('nor_conv')).length;

async function run(artifacts: MemoryArtifactStore, seed: number, rounds: number, count: number, params = rlStrategy.params.parse({ policy: 'tiny' })) {
  let state = rlStrategy.init(params, seed);
  const history: HistoryEntry<Nb201Cell>[] = [];
  for (let round = 0; round < rounds; round++) {
    const proposal = await rlStrategy.propose({ space: nb201Space, params, state: JSON.parse(JSON.stringify(state)), history, count, policies: [new PolicyRegistry(artifacts)] });
    state = proposal.state;
    for (const arch of proposal.candidates) history.push({ arch, canonical: nb201Space.canonical(arch), status: 'SUCCEEDED', score: score(arch) });
  }
  return history.map((h) => h.arch);
}

describe('rl strategy', () => {
  it('walks one edit at a time for an episode of the policy length, then restarts, never proposing twice', async () => {
    const archs = await run(await storeWithPolicy(), 1, 30, 1);
    expect(new Set(archs.map(nb201Space.canonical)).size).toBe(30);
    // Episode length 5 (manifest): a start plus 5 moves, then a new random start.
    for (let i = 1; i < 6; i++) expect(edits(archs[i]!, archs[i - 1]!)).toBe(1);
    for (let i = 7; i < 12; i++) expect(edits(archs[i]!, archs[i - 1]!)).toBe(1);
  });

  it('repeats exactly for a seed, resuming from JSON state between proposals', async () => {
    const artifacts = await storeWithPolicy();
    const oneByOne = await run(artifacts, 7, 12, 1);
    expect(await run(artifacts, 7, 12, 1)).toEqual(oneByOne);
    expect(await run(artifacts, 8, 12, 1)).not.toEqual(oneByOne);
  });

  it('fills a batch with distinct unseen candidates', async () => {
    const archs = await run(await storeWithPolicy(), 3, 3, 8, rlStrategy.params.parse({ policy: 'tiny', epsilon: 0 }));
    expect(archs).toHaveLength(24);
    expect(new Set(archs.map(nb201Space.canonical)).size).toBe(24);
  });

  it('names the policy field when the policy is missing or built for another space', async () => {
    const params = rlStrategy.params.parse({ policy: 'nope' });
    const propose = (artifacts: MemoryArtifactStore, p = params) =>
      rlStrategy.propose({ space: nb201Space, params: p, state: rlStrategy.init(p, 1), history: [], count: 1, policies: [new PolicyRegistry(artifacts)] });
    await expect(propose(new MemoryArtifactStore())).rejects.toThrow(InvalidRequest);
    // A space read as other tokens than the policy's (the same encoding as one token) cannot run it.
    const other = { ...nb201Space, name: 'other' };
    const tinyParams = rlStrategy.params.parse({ policy: 'tiny' });
    const artifacts = await storeWithPolicy('other');
    await expect(
      rlStrategy.propose({ space: other, params: tinyParams, state: rlStrategy.init(tinyParams, 1), history: [], count: 1, policies: [new PolicyRegistry(artifacts)] }),
    ).rejects.toThrow(/does not fit/);
  });
});
