import type { BenchmarkTask } from '../../src/benchmarking/benchmark-tasks.js';
import { Rng } from '../../src/random/rng.js';
import { drawUnseen, SeenCanonicals } from '../../src/strategies/history.js';
import type { HistoryEntry } from '../../src/strategies/strategy.js';

/** Draws of a random unseen architecture for a parent before its space counts as exhausted. */
const MAX_DRAWS_PER_PARENT_TRIAL = 100;

/** The finished trials of a random search of `task` with `count` trials: a warm-start parent (`IdenticalTask`). */
export async function randomParentTrials<A>(task: BenchmarkTask<A>, count: number, seed: number): Promise<HistoryEntry<A>[]> {
  const rng = Rng.fromSeed(seed);
  const archs = drawUnseen(task.space, SeenCanonicals.of({ history: [] }), count, MAX_DRAWS_PER_PARENT_TRIAL, () => task.space.sample(rng));
  const answers = await task.evaluate(archs);
  return archs.map((arch, i) => {
    const { score, scores = [score] } = answers[i]!;
    return { arch, canonical: task.space.canonical(arch), status: 'SUCCEEDED', score, scores };
  });
}
