import { InvalidArchitecture } from '../errors.js';
import type { Rng } from '../random/rng.js';
import { canonicalOrder, pathNodes, range, subgraph } from './labelled-dag.js';
import type { ArchitectureCost, ArchitectureGraph, EncodingKind, SearchSpace } from './space.js';

/**
 * The NAS-Bench-101 cell space (Ying et al., "NAS-Bench-101: Towards Reproducible Neural Architecture
 * Search", ICML 2019): a DAG of at most 7 nodes given by an upper-triangular 0/1 adjacency matrix, node 0
 * the input, the last node the output, each intermediate node one of 3 operations. As in NB101's
 * `ModelSpec`, nodes on no input -> output path are pruned; the pruned graph must still join input to
 * output and have at most 9 edges. Unlike NB101's API, which counts vertices after pruning, a cell may not
 * list more than 7 nodes even if some would be pruned: the edit actions address a fixed 7-node frame.
 *
 * A cell is kept as given (dangling nodes included), so a search can reconnect them in one edit, as
 * NB101's own mutation does on `original_matrix`.
 *
 * Canonical form: the pruned cell renumbered by an exact canonical order (`canonicalOrder`), written in
 * the compact string form. Exact labelling rather than NB101's MD5 of WL colours because it costs at
 * most 5! orders and cannot merge two different networks.
 *
 * String form: the intermediate operations (short names), `|`, then the rows of the upper triangle, `/`
 * between rows; row i lists the edges i -> i+1 .. last. The Inception-like cell of NB101's README is
 * `conv1x1,conv3x3,conv3x3,conv3x3,maxpool3x3|111010/00001/0001/100/01/1`; input straight to output is `|1`.
 * JSON form: NB101's `{"matrix": [[...]], "ops": ["input", ..., "output"]}`.
 */
export const NB101_OPERATIONS = ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'] as const;
export type Nb101Operation = (typeof NB101_OPERATIONS)[number];
export type Nb101Label = 'input' | Nb101Operation | 'output';

export interface Nb101Cell {
  /** `matrix[i][j] === 1` for an edge i -> j (i < j). */
  readonly matrix: readonly (readonly (0 | 1)[])[];
  /** `input`, one operation per intermediate node, `output`. */
  readonly ops: readonly Nb101Label[];
}

const MAX_VERTICES = 7;
const MAX_EDGES = 9;
const SHORT_NAMES: Record<Nb101Operation, string> = {
  'conv3x3-bn-relu': 'conv3x3',
  'conv1x1-bn-relu': 'conv1x1',
  maxpool3x3: 'maxpool3x3',
};
const STRING_FORM = /^([a-z0-9,]*)\|([01/]+)$/;

function isOperation(value: unknown): value is Nb101Operation {
  return (NB101_OPERATIONS as readonly unknown[]).includes(value);
}

function relabel(cell: Nb101Cell, nodes: readonly number[]): Nb101Cell {
  return { matrix: subgraph(cell.matrix, nodes) as (0 | 1)[][], ops: nodes.map((node) => cell.ops[node]!) };
}

function edgeCount(cell: Nb101Cell): number {
  return cell.matrix.flat().reduce<number>((sum, bit) => sum + bit, 0);
}

/** The network NB101 builds: the cell pruned to its input -> output paths; undefined when there is none. */
function prune(cell: Nb101Cell): Nb101Cell | undefined {
  const nodes = pathNodes(cell.matrix);
  return nodes.length === 0 ? undefined : relabel(cell, nodes);
}

function fail(rule: string, message: string): never {
  throw new InvalidArchitecture(`nb101.${rule}`, message);
}

/** The network a cell builds, or the rule it breaks; edits use this to skip invalid results without throwing. */
type Checked = { readonly network: Nb101Cell } | { readonly rule: string; readonly message: string };

/** NB101's rules on the pruned network (`NASBench._check_spec`): input joined to output, at most 9 edges. */
function check(cell: Nb101Cell): Checked {
  const network = prune(cell);
  if (network === undefined) return { rule: 'connected', message: 'no path joins the input to the output' };
  const edges = edgeCount(network);
  if (edges > MAX_EDGES) return { rule: 'edges', message: `${edges} edges after pruning, at most ${MAX_EDGES} allowed` };
  return { network };
}

function networkOf(cell: Nb101Cell): Nb101Cell {
  const checked = check(cell);
  if ('rule' in checked) fail(checked.rule, checked.message);
  return checked.network;
}

function copy(cell: Nb101Cell): Nb101Cell {
  return { matrix: cell.matrix.map((row) => [...row]), ops: [...cell.ops] };
}

/** Checks a candidate in NB101's JSON shape and returns it as a cell; both string and JSON forms end here. */
function validated(matrix: readonly unknown[], ops: readonly unknown[]): Nb101Cell {
  const n = ops.length;
  if (n < 2 || n > MAX_VERTICES) fail('vertices', `a cell has 2 to ${MAX_VERTICES} nodes, got ${n}`);
  if (matrix.length !== n || !matrix.every((row) => Array.isArray(row) && row.length === n)) {
    fail('matrix', `the matrix must be ${n} x ${n}, one row and column per operation`);
  }
  const rows = matrix as unknown[][];
  if (!rows.flat().every((bit) => bit === 0 || bit === 1)) fail('matrix', 'matrix entries must be 0 or 1');
  if (ops[0] !== 'input' || ops[n - 1] !== 'output') fail('ends', "ops must start with 'input' and end with 'output'");
  const unknown = ops.slice(1, -1).find((op) => !isOperation(op));
  if (unknown !== undefined) {
    fail('operation', `unknown operation '${String(unknown)}' (one of ${NB101_OPERATIONS.join(', ')})`);
  }
  if (rows.some((row, from) => row.slice(0, from + 1).some((bit) => bit !== 0))) {
    fail('upper-triangular', 'edges must go from a lower to a higher node (upper triangle, zero diagonal)');
  }
  const cell: Nb101Cell = { matrix: rows as (0 | 1)[][], ops: ops as Nb101Label[] };
  networkOf(cell);
  return copy(cell);
}

function parseString(text: string): Nb101Cell {
  const match = STRING_FORM.exec(text);
  if (!match) fail('format', `expected 'op,op,...|row/row/...' such as 'conv3x3,maxpool3x3|111/01/1', got '${text}'`);
  const [, names = '', triangle = ''] = match;
  const operations = names === '' ? [] : names.split(',');
  const ops = operations.map((name) => NB101_OPERATIONS.find((op) => SHORT_NAMES[op] === name) ?? name);
  const bits = triangle.split('/').map((row, from) => [...Array<number>(from + 1).fill(0), ...[...row].map(Number)]);
  const n = ops.length + 2;
  return validated([...bits, Array<number>(n).fill(0)], ['input', ...ops, 'output']);
}

function format(cell: Nb101Cell): string {
  const ops = cell.ops.slice(1, -1).map((op) => SHORT_NAMES[op as Nb101Operation]);
  const rows = cell.matrix.slice(0, -1).map((row, from) => row.slice(from + 1).join(''));
  return `${ops.join(',')}|${rows.join('/')}`;
}

function canonicalNetwork(network: Nb101Cell): Nb101Cell {
  return relabel(network, canonicalOrder(network.matrix, network.ops));
}

const canonical = (cell: Nb101Cell): string => format(canonicalNetwork(networkOf(cell)));

/**
 * Edit actions on a fixed 7-node frame: slots 0..6, slot 0 the input, slot 6 the output. A cell of n nodes
 * fills slots 0..n-2 with its first n-1 nodes and slot 6 with its output; slots n-1..5 are empty, and an
 * action that touches an empty slot is illegal (one edge to a new node would leave it dangling anyway).
 * Actions: toggle each of the 21 upper-triangular slot pairs, then set slot 1..5 to each operation.
 */
type Edit =
  | { readonly kind: 'edge'; readonly from: number; readonly to: number }
  | { readonly kind: 'op'; readonly node: number; readonly op: Nb101Operation };

const FRAME_SLOTS = MAX_VERTICES;
const OUTPUT_SLOT = FRAME_SLOTS - 1;
const EDGE_SLOTS = range(0, FRAME_SLOTS).flatMap((from) => range(from + 1, FRAME_SLOTS).map((to) => ({ from, to })));
const OP_SLOTS = range(1, OUTPUT_SLOT);
const ACTIONS: readonly Edit[] = [
  ...EDGE_SLOTS.map(({ from, to }) => ({ kind: 'edge' as const, from, to })),
  ...OP_SLOTS.flatMap((node) => NB101_OPERATIONS.map((op) => ({ kind: 'op' as const, node, op }))),
];

/** The cell's node in frame slot `slot`, or undefined for an empty slot. */
function nodeAt(cell: Nb101Cell, slot: number): number | undefined {
  const output = cell.ops.length - 1;
  if (slot === OUTPUT_SLOT) return output;
  return slot < output ? slot : undefined;
}

function applyEdit(cell: Nb101Cell, edit: Edit): Nb101Cell | undefined {
  if (edit.kind === 'op') {
    const node = nodeAt(cell, edit.node);
    if (node === undefined) return undefined;
    return { matrix: cell.matrix, ops: cell.ops.map((op, k) => (k === node ? edit.op : op)) };
  }
  const from = nodeAt(cell, edit.from);
  const to = nodeAt(cell, edit.to);
  if (from === undefined || to === undefined) return undefined;
  const matrix = cell.matrix.map((row, i) => row.map((bit, j) => (i === from && j === to ? ((1 - bit) as 0 | 1) : bit)));
  return { matrix, ops: cell.ops };
}

/** What action `action` makes of `cell`: a valid cell and its canonical form, or undefined when illegal. */
function outcome(cell: Nb101Cell, own: string, action: number): { cell: Nb101Cell; canonical: string } | undefined {
  const edit = ACTIONS[action];
  const edited = edit && applyEdit(cell, edit);
  if (edited === undefined) return undefined;
  const checked = check(edited);
  if ('rule' in checked) return undefined;
  const form = format(canonicalNetwork(checked.network));
  return form === own ? undefined : { cell: edited, canonical: form };
}

function outcomes(cell: Nb101Cell) {
  const own = canonical(cell);
  return ACTIONS.map((_, action) => outcome(cell, own, action));
}

/** Every one-edit move (an edge toggled, an operation changed) is an action, so neighbours are their results. */
function neighbours(cell: Nb101Cell): Nb101Cell[] {
  const seen = new Set<string>();
  return outcomes(cell).flatMap((result) => {
    if (result === undefined || seen.has(result.canonical)) return [];
    seen.add(result.canonical);
    return [result.cell];
  });
}

/**
 * NB101's `random_spec`: uniform edges and operations on 7 nodes, redrawn until valid. Uniform over valid
 * 7-node cells, not over networks: a network with more labellings (or dangling variants) is drawn more often.
 */
function sample(rng: Rng): Nb101Cell {
  for (;;) {
    const matrix = range(0, FRAME_SLOTS).map((from) =>
      range(0, FRAME_SLOTS).map((to) => (to > from ? (rng.int(0, 1) as 0 | 1) : 0)),
    );
    const ops: Nb101Label[] = ['input', ...OP_SLOTS.map(() => rng.pick(NB101_OPERATIONS)), 'output'];
    const cell = { matrix, ops };
    if ('network' in check(cell)) return cell;
  }
}

/**
 * A random neighbour. The bare input -> output cell (and cells whose dangling nodes no single edge can
 * reconnect) have no neighbour at all; they mutate to a fresh sample, as a stuck random walk restarts.
 */
function mutate(cell: Nb101Cell, rng: Rng): Nb101Cell {
  const options = neighbours(cell);
  if (options.length > 0) return rng.pick(options);
  const own = canonical(cell);
  for (;;) {
    const fresh = sample(rng);
    if (canonical(fresh) !== own) return fresh;
  }
}

/**
 * The NB101 CIFAR-10 network (`model_builder.build_model_fn`): a 3x3 conv-BN-ReLU stem to 128 channels,
 * 3 stacks of 3 modules at 32/16/8 pixels, a 2x2 max-pool and channel doubling before stacks 2 and 3,
 * global average pooling and a dense layer to 10 classes. Inside a module (`build_module`) every edge
 * out of the input is a 1x1 conv-BN-ReLU projection, other edges add (or truncate) tensors, and the
 * output concatenates its predecessors. Convolutions are bias-free; BN counts its trainable scale and
 * offset. FLOPs are multiply-accumulates of the convolutions and the dense layer. The pruned network is
 * built in the cell's own node order, as NB101 does, so isomorphic cells may differ by the few weights
 * of the one-channel remainder when the output's channels do not split evenly.
 */
const STEM_CHANNELS = 128;
const STACKS = 3;
const MODULES_PER_STACK = 3;
const IMAGE_SIZE = 32;
const CLASSES = 10;
const KERNELS: Record<Nb101Operation, number | undefined> = {
  'conv3x3-bn-relu': 3,
  'conv1x1-bn-relu': 1,
  maxpool3x3: undefined,
};

const NO_COST: ArchitectureCost = { params: 0, flops: 0 };

function addCosts(costs: readonly ArchitectureCost[]): ArchitectureCost {
  return costs.reduce((sum, c) => ({ params: sum.params + c.params, flops: sum.flops + c.flops }), NO_COST);
}

function convBnRelu(cin: number, cout: number, kernel: number, resolution: number): ArchitectureCost {
  const weights = cin * cout * kernel * kernel;
  return { params: weights + 2 * cout, flops: weights * resolution * resolution };
}

/** NB101's `compute_vertex_channels`: the output's channels split over its predecessors, then propagated back. */
function vertexChannels(matrix: Nb101Cell['matrix'], inputChannels: number, outputChannels: number): number[] {
  const output = matrix.length - 1;
  const channels = range(0, matrix.length).map(() => 0);
  channels[0] = inputChannels;
  channels[output] = outputChannels;
  const feeders = range(1, output).filter((v) => matrix[v]![output] === 1);
  feeders.forEach((v, k) => {
    channels[v] = Math.floor(outputChannels / feeders.length) + (k < outputChannels % feeders.length ? 1 : 0);
  });
  for (let v = output - 2; v > 0; v--) {
    if (matrix[v]![output] === 1) continue;
    for (const to of range(v + 1, output)) if (matrix[v]![to] === 1) channels[v] = Math.max(channels[v]!, channels[to]!);
  }
  return channels;
}

function moduleCost(network: Nb101Cell, inputChannels: number, channels: number, resolution: number): ArchitectureCost {
  const { matrix, ops } = network;
  const output = ops.length - 1;
  const width = vertexChannels(matrix, inputChannels, channels);
  const vertices = range(1, output).map((v) => {
    const kernel = KERNELS[ops[v] as Nb101Operation];
    return addCosts([
      matrix[0]![v] === 1 ? convBnRelu(inputChannels, width[v]!, 1, resolution) : NO_COST,
      kernel === undefined ? NO_COST : convBnRelu(width[v]!, width[v]!, kernel, resolution),
    ]);
  });
  const skip = matrix[0]![output] === 1 ? convBnRelu(inputChannels, channels, 1, resolution) : NO_COST;
  return addCosts([...vertices, skip]);
}

function cost(cell: Nb101Cell): ArchitectureCost {
  const network = networkOf(cell);
  const stacks = range(0, STACKS).map((stack) => {
    const channels = STEM_CHANNELS * 2 ** stack;
    const resolution = IMAGE_SIZE / 2 ** stack;
    return addCosts(
      range(0, MODULES_PER_STACK).map((module) =>
        moduleCost(network, module === 0 && stack > 0 ? channels / 2 : channels, channels, resolution),
      ),
    );
  });
  const finalChannels = STEM_CHANNELS * 2 ** (STACKS - 1);
  return addCosts([
    convBnRelu(3, STEM_CHANNELS, 3, IMAGE_SIZE),
    ...stacks,
    { params: finalChannels * CLASSES + CLASSES, flops: finalChannels * CLASSES },
  ]);
}

/**
 * BANANAS adjacency encoding (White et al., AAAI 2021) of the canonical network in the 7-node frame: the 21
 * upper-triangular slot pairs, then a one-hot operation per intermediate slot (all zero when empty).
 * Encoding the canonical form gives isomorphic cells one vector.
 */
function adjacencyEncoding(cell: Nb101Cell): number[] {
  const network = canonicalNetwork(networkOf(cell));
  const edges = EDGE_SLOTS.map(({ from, to }) => {
    const [i, j] = [nodeAt(network, from), nodeAt(network, to)];
    return i !== undefined && j !== undefined ? network.matrix[i]![j]! : 0;
  });
  const ops = OP_SLOTS.flatMap((slot) => {
    const node = nodeAt(network, slot);
    return NB101_OPERATIONS.map((op) => (node !== undefined && network.ops[node] === op ? 1 : 0));
  });
  return [...edges, ...ops];
}

/** Paths carry 0..5 intermediate operations: 3^0 + ... + 3^5 = 364 possible paths. */
const PATH_LENGTH = range(0, OP_SLOTS.length + 1).reduce((sum, k) => sum + NB101_OPERATIONS.length ** k, 0);

/**
 * BANANAS path encoding: one bit per input -> output path, indexed by its operation sequence as BANANAS'
 * `get_path_indices` does (sum over positions i of 3^i * (op index + 1), a bijection onto 0..363).
 */
function pathEncoding(cell: Nb101Cell): number[] {
  const { matrix, ops } = cell;
  const output = ops.length - 1;
  // indices[v]: the path indices from the input to node v, with the position weight of v's operation.
  const indices: { index: number; weight: number }[][] = ops.map(() => []);
  indices[0] = [{ index: 0, weight: 1 }];
  for (const v of range(1, output + 1)) {
    const arriving = range(0, v).flatMap((u) => (matrix[u]![v] === 1 ? indices[u]! : []));
    const op = NB101_OPERATIONS.indexOf(ops[v] as Nb101Operation);
    indices[v] =
      v === output ? arriving : arriving.map(({ index, weight }) => ({ index: index + weight * (op + 1), weight: weight * 3 }));
  }
  const bits = new Array<number>(PATH_LENGTH).fill(0);
  for (const { index } of indices[output]!) bits[index] = 1;
  return bits;
}

function graph(cell: Nb101Cell): ArchitectureGraph {
  const nodes = pathNodes(cell.matrix);
  return {
    nodes: nodes.map((node) => ({ id: String(node), label: cell.ops[node]! })),
    edges: nodes.flatMap((from) =>
      nodes.filter((to) => cell.matrix[from]![to] === 1).map((to) => ({ from: String(from), to: String(to) })),
    ),
  };
}

export const nb101Space: SearchSpace<Nb101Cell> = {
  name: 'nb101',
  description: 'NAS-Bench-101 cell: a DAG of up to 7 nodes and 9 edges, 3 operations per node (423,624 networks)',
  sample,
  parse(value: unknown): Nb101Cell {
    if (typeof value === 'string') return parseString(value);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const { matrix, ops } = value as { matrix?: unknown; ops?: unknown };
      if (Array.isArray(matrix) && Array.isArray(ops)) return validated(matrix, ops);
    }
    return fail('type', 'an nb101 architecture is its string form or {"matrix": [[0/1...]], "ops": ["input", ..., "output"]}');
  },
  format,
  toJSON: copy,
  canonical,
  cost,
  neighbours,
  mutate,
  actionCount: ACTIONS.length,
  actionLabel(action) {
    const edit = ACTIONS[action]!;
    return edit.kind === 'edge' ? `toggle edge ${edit.from}->${edit.to}` : `node ${edit.node} := ${SHORT_NAMES[edit.op]}`;
  },
  legalActions: (cell) => outcomes(cell).map((result) => result !== undefined),
  applyAction(cell, action) {
    const result = outcome(cell, canonical(cell), action);
    if (result === undefined) fail('action', `action ${action} is not legal here`);
    return result.cell;
  },
  encode: (cell: Nb101Cell, kind: EncodingKind) => (kind === 'path' ? pathEncoding(cell) : adjacencyEncoding(cell)),
  encodingLength: (kind) => (kind === 'path' ? PATH_LENGTH : EDGE_SLOTS.length + OP_SLOTS.length * NB101_OPERATIONS.length),
  graph,
};
