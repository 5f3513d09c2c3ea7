import type { SearchSpace } from './space.js';

/**
 * What turned `from` into `to`, in the words of the space's edit actions (`edge 2->3 := nor_conv_3x3`,
 * the rnn space's morphisms), or undefined when no single action does it. Lineage shows this on a child.
 */
export function describeEdit<A>(space: SearchSpace<A>, from: A, to: A): string | undefined {
  const target = space.canonical(to);
  const legal = space.legalActions(from);
  for (let action = 0; action < space.actionCount; action++) {
    if (legal[action] && space.canonical(space.applyAction(from, action)) === target) return space.actionLabel(action);
  }
  return undefined;
}
