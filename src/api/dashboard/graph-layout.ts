import type { ArchitectureGraph } from '../../spaces/space.js';

type GraphNode = ArchitectureGraph['nodes'][number];
type GraphEdge = ArchitectureGraph['edges'][number];

export interface PlacedNode {
  readonly id: string;
  readonly label: string;
  /** Centre of the node's box. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
}

export interface PlacedEdge {
  /** SVG path data from the source's right side to the target's left side. */
  readonly path: string;
  readonly label?: string;
  /** Where the label sits: just above the curve's midpoint. */
  readonly labelX: number;
  readonly labelY: number;
}

/** Where the dashboard draws an architecture's nodes and edges, in SVG user units. */
export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

export const NODE_HEIGHT = 28;
const CHAR_WIDTH = 7;
const ROW_GAP = 64;
/** Room between columns for an edge label such as `nor_conv_3x3`. */
const EDGE_LABEL_ROOM = 110;
/** How high an edge that skips columns bows above its row, per column skipped. */
const BOW_PER_SKIP = 34;
const LABEL_ROOM = 16;
const PART_GAP = 36;
const MARGIN = 12;

const nodeWidth = (label: string) => Math.max(56, label.length * CHAR_WIDTH + 18);

/** The graph's weakly connected parts (e.g. DARTS' normal and reduction cells), each in listed order. */
function partsOf(graph: ArchitectureGraph): { nodes: GraphNode[]; edges: GraphEdge[] }[] {
  const root = new Map(graph.nodes.map((node) => [node.id, node.id]));
  const find = (id: string): string => (root.get(id) === id ? id : find(root.get(id)!));
  for (const edge of graph.edges) root.set(find(edge.to), find(edge.from));
  const parts = new Map<string, { nodes: GraphNode[]; edges: GraphEdge[] }>();
  for (const node of graph.nodes) {
    const part = parts.get(find(node.id)) ?? { nodes: [], edges: [] };
    part.nodes.push(node);
    parts.set(find(node.id), part);
  }
  for (const edge of graph.edges) parts.get(find(edge.from))!.edges.push(edge);
  return [...parts.values()];
}

/**
 * The nodes in an order in which every edge points forward (Kahn 1962), keeping the listed order among
 * nodes that are ready together: most spaces list a topological order already, but a recurrent cell lists
 * its blocks as its string form does, where a block may read a later one. A cycle's nodes (not a valid
 * architecture) follow in listed order rather than failing the drawing.
 */
function topologicalOrder(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): GraphNode[] {
  const waitingFor = new Map(nodes.map((node) => [node.id, edges.filter((e) => e.to === node.id).length]));
  const order: GraphNode[] = [];
  const rest = [...nodes];
  while (rest.length > 0) {
    const ready = rest.findIndex((node) => waitingFor.get(node.id) === 0);
    const [next] = rest.splice(Math.max(ready, 0), 1);
    order.push(next!);
    for (const edge of edges) if (edge.from === next!.id) waitingFor.set(edge.to, waitingFor.get(edge.to)! - 1);
  }
  return order;
}

/**
 * A node's column: one right of its furthest input, so every edge points right. A node without inputs
 * other than the first (an NB201 node whose input edge is `none`) goes one right of the node placed before
 * it, so that the drawing keeps the space's order.
 */
function columnsOf(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): Map<string, number> {
  const column = new Map<string, number>();
  topologicalOrder(nodes, edges).forEach((node, i, order) => {
    const inputs = edges.filter((e) => e.to === node.id).map((e) => column.get(e.from) ?? 0);
    column.set(node.id, inputs.length ? Math.max(...inputs) + 1 : i === 0 ? 0 : column.get(order[i - 1]!.id)! + 1);
  });
  return column;
}

/** One connected part, with its top at `top`; edges that skip columns on a row bow above it. */
function layoutPart(nodes: readonly GraphNode[], edges: readonly GraphEdge[], columnGap: number, top: number) {
  const column = columnsOf(nodes, edges);
  const rowsUsed = new Map<number, number>();
  const row = new Map<string, number>();
  for (const node of nodes) {
    const c = column.get(node.id)!;
    row.set(node.id, rowsUsed.get(c) ?? 0);
    rowsUsed.set(c, (rowsUsed.get(c) ?? 0) + 1);
  }
  const skipOf = (edge: GraphEdge) =>
    row.get(edge.from) === row.get(edge.to) ? column.get(edge.to)! - column.get(edge.from)! - 1 : 0;
  const maxSkip = Math.max(0, ...edges.map(skipOf));
  const headroom = maxSkip ? maxSkip * BOW_PER_SKIP + LABEL_ROOM : 0;
  const placed = new Map(
    nodes.map((node) => [
      node.id,
      {
        id: node.id,
        label: node.label,
        width: nodeWidth(node.label),
        x: MARGIN + columnGap / 2 + column.get(node.id)! * columnGap,
        y: top + headroom + NODE_HEIGHT / 2 + row.get(node.id)! * ROW_GAP,
      },
    ]),
  );
  const placedEdges = edges.map((edge): PlacedEdge => {
    const from = placed.get(edge.from)!;
    const to = placed.get(edge.to)!;
    const start = { x: from.x + from.width / 2, y: from.y };
    const end = { x: to.x - to.width / 2, y: to.y };
    // Control points this high put the curve's peak at skip * BOW_PER_SKIP (a cubic reaches 3/4 of them).
    const bow = (skipOf(edge) * BOW_PER_SKIP * 4) / 3;
    const reach = (end.x - start.x) / (bow ? 4 : 2);
    const c1 = { x: start.x + reach, y: start.y - bow };
    const c2 = { x: end.x - reach, y: end.y - bow };
    return {
      path: `M${start.x} ${start.y}C${c1.x} ${c1.y} ${c2.x} ${c2.y} ${end.x} ${end.y}`,
      ...(edge.label ? { label: edge.label } : {}),
      // The cubic's point at t = 1/2, lifted so that the label sits on the curve rather than across it.
      labelX: (start.x + 3 * c1.x + 3 * c2.x + end.x) / 8,
      labelY: (start.y + 3 * c1.y + 3 * c2.y + end.y) / 8 - 5,
    };
  });
  return {
    nodes: [...placed.values()],
    edges: placedEdges,
    columns: Math.max(...column.values()) + 1,
    bottom: top + headroom + NODE_HEIGHT + (Math.max(...rowsUsed.values()) - 1) * ROW_GAP,
  };
}

/**
 * A layered drawing, left to right: each connected part in its own band, nodes in columns by depth,
 * stacked in their listed order within a column.
 */
export function layoutGraph(graph: ArchitectureGraph): GraphLayout {
  const columnGap = Math.max(...graph.nodes.map((n) => nodeWidth(n.label))) + EDGE_LABEL_ROOM;
  const nodes: PlacedNode[] = [];
  const edges: PlacedEdge[] = [];
  let columns = 0;
  let top = MARGIN;
  for (const part of partsOf(graph)) {
    const placed = layoutPart(part.nodes, part.edges, columnGap, top);
    nodes.push(...placed.nodes);
    edges.push(...placed.edges);
    columns = Math.max(columns, placed.columns);
    top = placed.bottom + PART_GAP;
  }
  return { width: 2 * MARGIN + columns * columnGap, height: top - PART_GAP + MARGIN, nodes, edges };
}
