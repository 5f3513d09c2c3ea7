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

  it('learning during the search, ranks the unseen one-edit neighbours of the best measured architectures beside the walks', async () => {
    // One planned walk of one move: the walks alone offer a single candidate, so a batch of 8 unseen
    // neighbours of the incumbent must come from the neighbour pool (random fill would rarely be one).
    const params = rlStrategy.params.parse({
      policy: null,
      online: { initialRandom: 10, steps: 10, warmup: 10, walks: 1, fromBest: 0, episodeLength: 1, parents: 1, poolSize: 1000, predictor: { members: 2, hiddenLayers: [8], epochs: 3 } },
    });
    const rng = Rng.fromSeed(4);
    const history: HistoryEntry<Nb201Cell>[] = [];
    while (history.length < 12) {
      const arch = nb201Space.sample(rng);
      const canonical = nb201Space.canonical(arch);
      if (!history.some((h) => h.canonical === canonical)) history.push({ arch, canonical, status: 'SUCCEEDED', score: score(arch) + history.length / 100 });
    }
    const { candidates } = await rlStrategy.propose({ space: nb201Space, params, state: rlStrategy.init(params, 1), history, count: 8, policies: [] });
    const incumbent = history.reduce((a, b) => (b.score! > a.score! ? b : a));
    const seen = new Set(history.map((h) => h.canonical));
    const neighbours = new Set(nb201Space.neighbours(incumbent.arch).map(nb201Space.canonical).filter((c) => !seen.has(c)));
    expect(candidates).toHaveLength(8);
    const fromPool = candidates.filter((cell) => neighbours.has(nb201Space.canonical(cell)));
    expect(fromPool.length).toBeGreaterThanOrEqual(7);
    expect(new Set(candidates.map(nb201Space.canonical)).size).toBe(8);
  });

  it('hands over from its policy to learning during the search once handOverAfter trials have finished', async () => {
    const artifacts = await storeWithPolicy();
    const online = { initialRandom: 2, steps: 10, warmup: 10, walks: 1, fromBest: 0, episodeLength: 1, parents: 1, poolSize: 1000, predictor: { members: 2, hiddenLayers: [8], epochs: 3 } };
    const batchAfter = async (handOverAfter: number, handOverTo = 'online') => {
      const params = rlStrategy.params.parse({ policy: 'tiny', epsilon: 0, handOverAfter, handOverTo, online });
      const history = (await run(artifacts, 5, 12, 1, params)).map((arch, i) => ({ arch, canonical: nb201Space.canonical(arch), status: 'SUCCEEDED' as const, score: score(arch) + i / 100 }));
      const { candidates } = await rlStrategy.propose({ space: nb201Space, params, state: rlStrategy.init(params, 9), history, count: 8, policies: [new PolicyRegistry(artifacts)] });
      const [incumbent, ...runnersUp] = [...history].sort((a, b) => b.score - a.score);
      const nearBest = (cell: Nb201Cell) => [incumbent!, ...runnersUp.slice(0, 9)].some((entry) => edits(cell, entry.arch) === 1);
      return { candidates, nearIncumbent: candidates.filter((cell) => edits(cell, incumbent!.arch) === 1).length, nearBest: candidates.filter(nearBest).length };
    };
    // Before the hand-over the policy walks from a random start: one edit at a time for its episode of 5.
    const walking = await batchAfter(100);
    for (let i = 1; i < 6; i++) expect(edits(walking.candidates[i]!, walking.candidates[i - 1]!)).toBe(1);
    // After it, the online agent ranks the incumbent's unseen neighbours (its pool) beside one planned walk.
    const learning = await batchAfter(12);
    expect(learning.nearIncumbent).toBeGreaterThanOrEqual(7);
    expect(walking.nearIncumbent).toBeLessThan(7);
    // Or predictor-guided, whose candidates are all unseen neighbours of the ten best.
    const guided = await batchAfter(12, 'predictor-guided');
    expect(new Set(guided.candidates.map(nb201Space.canonical)).size).toBe(8);
    expect(guided.nearBest).toBe(8);
    expect(walking.nearBest).toBeLessThan(8);
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
