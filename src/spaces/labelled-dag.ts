/**
 * Node-labelled DAG cells in the NAS-Bench-101 style (Ying et al., ICML 2019): nodes listed in a topological
 * order, node 0 the input, the last node the output, `matrix[i][j] === 1` for an edge i -> j (only i < j).
 *
 * Two tools: NB101's pruning to the nodes that lie on an input -> output path, and an exact canonical node
 * order, so that isomorphic cells (same labelled graph under any renumbering) get the same form.
 */

/** `matrix[i][j] === 1` for an edge i -> j; upper triangular, so node order is topological. */
export type AdjacencyMatrix = readonly (readonly number[])[];

/** The integers from `from` up to, not including, `to`: node numbers. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

function reachable(start: number, next: (node: number) => number[]): Set<number> {
  const seen = new Set([start]);
  const frontier = [start];
  for (let node = frontier.pop(); node !== undefined; node = frontier.pop()) {
    for (const other of next(node)) {
      if (!seen.has(other)) {
        seen.add(other);
        frontier.push(other);
      }
    }
  }
  return seen;
}

/**
 * The nodes on some input -> output path, ascending: NB101's `ModelSpec._prune`, which drops every node
 * the input does not reach or that does not reach the output. Empty when the output is unreachable.
 */
export function pathNodes(matrix: AdjacencyMatrix): number[] {
  const n = matrix.length;
  const fromInput = reachable(0, (node) => range(node + 1, n).filter((to) => matrix[node]![to] === 1));
  const toOutput = reachable(n - 1, (node) => range(0, node).filter((from) => matrix[from]![node] === 1));
  if (!fromInput.has(n - 1)) return [];
  return range(0, n).filter((node) => fromInput.has(node) && toOutput.has(node));
}

/** The subgraph on `nodes`, renumbered in the order given. */
export function subgraph(matrix: AdjacencyMatrix, nodes: readonly number[]): number[][] {
  return nodes.map((from) => nodes.map((to) => matrix[from]![to]!));
}

/** Sorts distinct signatures and names each node by its signature's rank, so colours depend on no node number. */
function rankColours(signatures: readonly string[]): number[] {
  const distinct = [...new Set(signatures)].sort();
  return signatures.map((signature) => distinct.indexOf(signature));
}

/**
 * Weisfeiler-Lehman colour refinement, started like NB101's `graph_util.hash_module` from (label, in-degree,
 * out-degree) and refined by the sorted colours of predecessors and successors until the partition is stable.
 * Isomorphic nodes always share a colour; the converse need not hold, hence the search in `canonicalOrder`.
 */
function refinedColours(labels: readonly string[], predecessors: number[][], successors: number[][]): number[] {
  const nodes = range(0, labels.length);
  let colours = rankColours(
    nodes.map((v) => JSON.stringify([labels[v], predecessors[v]!.length, successors[v]!.length])),
  );
  const sortedColours = (neighbours: number[]) => neighbours.map((u) => colours[u]!).sort((a, b) => a - b);
  for (;;) {
    const next = rankColours(
      nodes.map((v) => JSON.stringify([colours[v], sortedColours(predecessors[v]!), sortedColours(successors[v]!)])),
    );
    // A round only splits classes (the old colour is part of the signature), so no new class means stable.
    if (new Set(next).size === new Set(colours).size) return colours;
    colours = next;
  }
}

/**
 * An exact canonical node order: isomorphic labelled DAGs get orders under which they become identical
 * matrices and label lists, and non-isomorphic ones never do (no hash collisions, unlike NB101's MD5 of
 * WL colours). The order is the one with the smallest (labels, matrix) key among the topological orders
 * that always place a node of the lowest refined colour among those ready; that set of orders is
 * carried along by any isomorphism, so its minimum is canonical, and colour refinement keeps it small
 * (at most 5! orders for NB101's 5 intermediate nodes, usually a handful). The search grows with the
 * factorials of the colour classes, so this is for small cells, not for large symmetric graphs.
 *
 * The result is topological, so the relabelled matrix stays upper triangular; on a pruned cell the input
 * (the only source) comes first and the output (the only sink) last.
 */
export function canonicalOrder(matrix: AdjacencyMatrix, labels: readonly string[]): number[] {
  const n = labels.length;
  const predecessors = range(0, n).map((to) => range(0, n).filter((from) => matrix[from]![to] === 1));
  const successors = range(0, n).map((from) => range(0, n).filter((to) => matrix[from]![to] === 1));
  const colours = refinedColours(labels, predecessors, successors);
  const key = (order: readonly number[]) =>
    JSON.stringify(order.map((v) => labels[v])) + subgraph(matrix, order).flat().join('');

  let best: { key: string; order: number[] } | undefined;
  const order: number[] = [];
  const placed = new Set<number>();
  const extend = (): void => {
    if (order.length === n) {
      const candidate = key(order);
      if (best === undefined || candidate < best.key) best = { key: candidate, order: [...order] };
      return;
    }
    const ready = range(0, n).filter((v) => !placed.has(v) && predecessors[v]!.every((u) => placed.has(u)));
    const lowest = Math.min(...ready.map((v) => colours[v]!));
    for (const v of ready.filter((u) => colours[u] === lowest)) {
      placed.add(v);
      order.push(v);
      extend();
      order.pop();
      placed.delete(v);
    }
  };
  extend();
  return best!.order;
}
