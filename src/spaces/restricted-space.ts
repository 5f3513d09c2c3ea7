import type { Rng } from '../random/rng.js';
import type { SearchSpace } from './space.js';

/**
 * A space cut down to the architectures a table holds: what an imported table that covers only part of
 * its space can answer. Every strategy searches it unchanged, because it reaches architectures only
 * through the space: `sample` draws a row, `neighbours` and `mutate` stay among rows, and an edit action is
 * legal only where it lands on a row. Everything else (parsing, canonical forms, encodings, the action
 * numbering an RL policy was trained on) is the full space's.
 *
 * `mutate` of an architecture with no neighbour in the table returns a random row, so population
 * strategies keep going on sparse tables.
 */
export function restrictToArchitectures<A>(space: SearchSpace<A>, architectures: readonly A[]): SearchSpace<A> {
  if (architectures.length === 0) throw new RangeError(`a restriction of space '${space.name}' needs at least one architecture`);
  const members = new Set(architectures.map((a) => space.canonical(a)));
  const holds = (a: A) => members.has(space.canonical(a));
  const neighbours = (a: A) => space.neighbours(a).filter(holds);
  return {
    ...space,
    description: `${space.description} (the ${members.size} architectures of a table)`,
    sample: (rng: Rng) => rng.pick(architectures),
    neighbours,
    mutate(a: A, rng: Rng) {
      const near = neighbours(a);
      return near.length > 0 ? rng.pick(near) : rng.pick(architectures);
    },
    ...(space.seeds ? { seeds: () => space.seeds!().filter(holds) } : {}),
    legalActions: (a: A) => space.legalActions(a).map((legal, action) => legal && holds(space.applyAction(a, action))),
  };
}
