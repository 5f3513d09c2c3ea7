/**
 * An exact canonical node order for the labelled DAGs of block cells, by individualisation-refinement
 * (McKay & Piperno, "Practical graph isomorphism, II", J. Symbolic Computation 2014, without automorphism
 * pruning): refine colours from labels, predecessors and successors until stable; while some colour is
 * shared, give each of the nodes of the first shared colour in turn a colour of its own and refine again;
 * at each discrete colouring, read the graph off in colour order, and keep the smallest reading.
 *
 * Why not `labelled-dag.ts`'s `canonicalOrder`: it refines once and then tries every order of the nodes
 * that share a colour, which is factorial in the number of twins. Cells grown by morphisms have many (the
 * four gate pre-activations of an LSTM; eight `linear(x_t)` blocks feeding a tree of adds took 5 s there).
 * Re-refining after each choice separates the rest, so the search grows with the cell's symmetries instead.
 */

/** Sorts distinct signatures and names each node by its signature's rank, so colours depend on no node number. */
function rankColours(signatures: readonly string[]): number[] {
  const distinct = [...new Set(signatures)].sort();
  return signatures.map((signature) => distinct.indexOf(signature));
}

const distinctCount = (colours: readonly number[]) => new Set(colours).size;

/**
 * The node order under which isomorphic graphs (same labels, edges `[from, to]`) read identically, and
 * non-isomorphic ones never do. Nodes are listed by their final colours, so any topological order of
 * equal keys is not implied; callers that need one get it from the graph, not from this order.
 */
export function canonicalDagOrder(labels: readonly string[], edges: readonly (readonly [number, number])[]): number[] {
  const nodes = labels.map((_, v) => v);
  const predecessors = nodes.map((v) => edges.filter(([, to]) => to === v).map(([from]) => from));
  const successors = nodes.map((v) => edges.filter(([from]) => from === v).map(([, to]) => to));

  const refine = (start: number[]): number[] => {
    let colours = start;
    const sorted = (neighbours: number[]) => neighbours.map((u) => colours[u]!).sort((a, b) => a - b);
    for (;;) {
      const next = rankColours(nodes.map((v) => JSON.stringify([colours[v], sorted(predecessors[v]!), sorted(successors[v]!)])));
      // A round only splits classes (the old colour is part of the signature), so no new class means stable.
      if (distinctCount(next) === distinctCount(colours)) return next;
      colours = next;
    }
  };
  const individualise = (colours: readonly number[], chosen: number) =>
    refine(rankColours(nodes.map((v) => JSON.stringify([colours[v], v === chosen ? 0 : 1]))));
  const reading = (order: readonly number[]) => {
    const position = new Map(order.map((v, k) => [v, k]));
    const edgeList = edges.map(([from, to]) => `${position.get(from)}>${position.get(to)}`).sort();
    return JSON.stringify([order.map((v) => labels[v]), edgeList]);
  };

  let best: { key: string; order: number[] } | undefined;
  const search = (colours: number[]): void => {
    const counts = new Map<number, number>();
    for (const colour of colours) counts.set(colour, (counts.get(colour) ?? 0) + 1);
    const shared = [...counts].filter(([, count]) => count > 1).map(([colour]) => colour);
    if (shared.length === 0) {
      const order = [...nodes].sort((a, b) => colours[a]! - colours[b]!);
      const key = reading(order);
      if (best === undefined || key < best.key) best = { key, order };
      return;
    }
    const target = Math.min(...shared);
    for (const v of nodes.filter((u) => colours[u] === target)) search(individualise(colours, v));
  };
  search(refine(rankColours(labels)));
  return best!.order;
}
