import { InvalidArchitecture } from '../errors.js';
import type { Rng } from '../random/rng.js';
import type { ImageTask } from './cnn.js';
import type { ArchitectureCost, ArchitectureGraph, SearchSpace } from './space.js';

/**
 * The DARTS cell space (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019), as
 * benchmarked by NAS-Bench-301 (Siems et al. 2020, arXiv:2008.09777): a normal and a reduction cell, each
 * with intermediate nodes 2..5; node k sums two operations applied to two different earlier nodes (0 and 1
 * are the cell inputs c_{k-2} and c_{k-1}); the cell output concatenates nodes 2..5. 7 operations,
 * (1·3·6·10·7^8)^2 ≈ 1.1·10^18 genotypes.
 *
 * Forms:
 * - string (`format`): per cell, NB201-style node groups `|op~input|op~input|` joined by `+`, e.g.
 *   `normal:|sep_conv_3x3~0|sep_conv_3x3~1|+|...|+|...|+|...|;reduce:|max_pool_3x3~0|...|`;
 * - JSON (`toJSON`): the DARTS `Genotype` lists, `{"normal": [["sep_conv_3x3", 0], ...8 pairs], "reduce": [...]}`,
 *   pairs 2j and 2j+1 feeding node j+2.
 * Both keep the order in which a node's two inputs were written.
 *
 * Canonical form: the lexicographically smallest string over the isomorphic variants of each cell: a node's
 * two inputs are unordered (the node sums them), and intermediate nodes may be renumbered in any order that
 * keeps every input earlier than its node (the output concatenates all of them, so renumbering only permutes
 * channels that the next 1x1 preprocessing convolution learns anyway). NAS-Bench-301's surrogate is not
 * invariant to the renumbering, so isomorphic genotypes may still get slightly different predictions.
 */
export const DARTS_OPERATIONS = [
  'max_pool_3x3',
  'avg_pool_3x3',
  'skip_connect',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'dil_conv_3x3',
  'dil_conv_5x5',
] as const;
export type DartsOperation = (typeof DARTS_OPERATIONS)[number];

export const DARTS_CELLS = ['normal', 'reduce'] as const;
export type DartsCellName = (typeof DARTS_CELLS)[number];

/** Intermediate nodes of a cell; 0 and 1 are the cell inputs. */
export const DARTS_NODES = [2, 3, 4, 5] as const;

export interface DartsEdge {
  readonly op: DartsOperation;
  /** The earlier node the operation reads: 0 = c_{k-2}, 1 = c_{k-1}, 2..4 = an intermediate node. */
  readonly input: number;
}
/** The two edges summed by one intermediate node. */
export type DartsNode = readonly [DartsEdge, DartsEdge];
/** Nodes 2..5, in order. */
export type DartsCell = readonly DartsNode[];
export interface DartsGenotype {
  readonly normal: DartsCell;
  readonly reduce: DartsCell;
}

/** Possible edges (input -> node) of a cell: 2 + 3 + 4 + 5. */
export const DARTS_EDGE_COUNT = 14;

/** NAS-Bench-301's `edge_<cell>_k` index of the edge input -> node: edges are numbered node by node, by input. */
export function dartsEdgeIndex(input: number, node: number): number {
  return (node * (node - 1)) / 2 - 1 + input;
}

const EDGES_PER_CELL = DARTS_NODES.length * 2;

function isOperation(value: unknown): value is DartsOperation {
  return (DARTS_OPERATIONS as readonly unknown[]).includes(value);
}

// ---------------------------------------------------------------------------------------------- parse

interface RawEdge {
  readonly op: unknown;
  readonly input: unknown;
}

/** The one validator behind both forms: 4 nodes of 2 edges, known operations, two different earlier inputs. */
function validateCell(cell: DartsCellName, edges: readonly RawEdge[]): DartsCell {
  if (edges.length !== EDGES_PER_CELL) {
    throw new InvalidArchitecture('darts.node', `${cell} cell: expected 2 edges for each of nodes 2..5 (8 in all), got ${edges.length}`);
  }
  return DARTS_NODES.map((node, j) => {
    const pair = [edges[2 * j]!, edges[2 * j + 1]!].map(({ op, input }) => {
      if (!isOperation(op)) {
        throw new InvalidArchitecture(
          'darts.operation',
          `${cell} node ${node}: unknown operation '${String(op)}' (one of ${DARTS_OPERATIONS.join(', ')})`,
        );
      }
      if (typeof input !== 'number' || !Number.isInteger(input) || input < 0 || input >= node) {
        throw new InvalidArchitecture('darts.input', `${cell} node ${node}: input must be a node 0..${node - 1}, got '${String(input)}'`);
      }
      return { op, input };
    }) as [DartsEdge, DartsEdge];
    if (pair[0].input === pair[1].input) {
      throw new InvalidArchitecture('darts.input', `${cell} node ${node}: its two inputs must differ, got ${pair[0].input} twice`);
    }
    return pair;
  });
}

const STRING_FORM = /^normal:(\|.*\|);reduce:(\|.*\|)$/;

function parseCellString(cell: DartsCellName, text: string): DartsCell {
  const groups = text.slice(1, -1).split('|+|');
  const edges = groups.flatMap((group) => {
    const tokens = group.split('|');
    if (tokens.length !== 2) {
      throw new InvalidArchitecture('darts.node', `${cell} cell: each node needs exactly 2 'op~input' edges, got '|${group}|'`);
    }
    return tokens.map((token) => {
      const [op, input, extra] = token.split('~');
      if (extra !== undefined || input === undefined) {
        throw new InvalidArchitecture('darts.edge', `${cell} cell: expected 'op~input', got '${token}'`);
      }
      // A non-numeric input reaches validateCell as text, which names it under darts.input.
      return { op, input: /^\d+$/.test(input) ? Number(input) : input };
    });
  });
  return validateCell(cell, edges);
}

function parseString(text: string): DartsGenotype {
  const match = STRING_FORM.exec(text);
  if (!match) {
    throw new InvalidArchitecture('darts.format', `expected 'normal:|op~i|op~j|+|...|;reduce:|op~i|op~j|+|...|', got '${text}'`);
  }
  return { normal: parseCellString('normal', match[1]!), reduce: parseCellString('reduce', match[2]!) };
}

function parseObject(value: Record<string, unknown>): DartsGenotype {
  const [normal, reduce] = DARTS_CELLS.map((cell) => {
    const list = value[cell];
    if (!Array.isArray(list)) {
      throw new InvalidArchitecture('darts.cell', `'${cell}' must be a list of [op, input] pairs, got ${JSON.stringify(list)}`);
    }
    const edges = list.map((pair: unknown) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new InvalidArchitecture('darts.edge', `${cell} cell: expected an [op, input] pair, got ${JSON.stringify(pair)}`);
      }
      return { op: pair[0], input: pair[1] };
    });
    return validateCell(cell, edges);
  });
  return { normal: normal!, reduce: reduce! };
}

// ------------------------------------------------------------------------------- forms and canonical

function formatCell(cell: DartsCell): string {
  return `|${cell.map((pair) => pair.map(({ op, input }) => `${op}~${input}`).join('|')).join('|+|')}|`;
}

function format(genotype: DartsGenotype): string {
  return `normal:${formatCell(genotype.normal)};reduce:${formatCell(genotype.reduce)}`;
}

function permutations(items: readonly number[]): number[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((first, i) => permutations(items.filter((_, k) => k !== i)).map((rest) => [first, ...rest]));
}

/** Orders of the 4 intermediate nodes: `order[q]` is the old position of the node placed at position q. */
const NODE_ORDERS = permutations(DARTS_NODES.map((_, j) => j));

/** The cell with its nodes placed in `order`, inputs renamed to match; undefined if a node would read a later one. */
function renumber(cell: DartsCell, order: readonly number[]): DartsCell | undefined {
  const newId = [0, 1];
  order.forEach((old, position) => (newId[DARTS_NODES[old]!] = DARTS_NODES[position]!));
  const renamed = order.map((old): DartsNode => {
    const [a, b] = cell[old]!.map(({ op, input }) => ({ op, input: newId[input]! }));
    return a!.input < b!.input ? [a!, b!] : [b!, a!];
  });
  return renamed.every((pair, position) => pair[1].input < DARTS_NODES[position]!) ? renamed : undefined;
}

function canonicalCell(cell: DartsCell): string {
  let best: string | undefined;
  for (const order of NODE_ORDERS) {
    const renamed = renumber(cell, order);
    const text = renamed && formatCell(renamed);
    if (text !== undefined && (best === undefined || text < best)) best = text;
  }
  return best!;
}

function canonical(genotype: DartsGenotype): string {
  return `normal:${canonicalCell(genotype.normal)};reduce:${canonicalCell(genotype.reduce)}`;
}

// --------------------------------------------------------------------------------------------- cost

/** The evaluation network's per-task knobs: initial channels C (the stem has 3C) and number of cells. */
export interface DartsNetwork {
  readonly channels: number;
  readonly layers: number;
}

/** The DARTS paper's CIFAR-10 evaluation network: C = 36, 20 cells. */
export const DARTS_PAPER_NETWORK: DartsNetwork = { channels: 36, layers: 20 };

/** The task `dartsSpace.cost` counts for, as NAS-Bench-301 trained it: CIFAR-10, 32x32x3 images, 10 classes. */
export const DARTS_CIFAR10_TASK: ImageTask = { height: 32, width: 32, channels: 3, classes: 10 };

const STEM_MULTIPLIER = 3;

/** Cells at a third and two thirds of the depth reduce: they double the channels and halve the map. */
export function dartsReductionLayers(layers: number): readonly number[] {
  return [Math.floor(layers / 3), Math.floor((2 * layers) / 3)];
}

/**
 * Trainable parameters and multiply-accumulates of the DARTS CIFAR-10 evaluation network (`NetworkCIFAR`
 * of the reference code) around `genotype`: a 3x3 stem conv + BN to 3C channels, `layers` cells with
 * reduction cells (channels doubled, stride 2 on edges from the cell inputs) at `dartsReductionLayers`,
 * global pooling and a linear classifier; auxiliary head off. Operations as in the reference
 * `operations.py` with affine BN: sep_conv = 2x (ReLU, depthwise kxk, pointwise 1x1, BN), dil_conv = ReLU,
 * depthwise kxk dilation 2, pointwise, BN; pools have no parameters; a stride-2 skip and the first
 * preprocessing after a reduction are FactorizedReduce (ReLU, two 1x1 stride-2 convolutions, BN); the
 * other preprocessing is a 1x1 ReLU-conv-BN. FLOPs count multiply-accumulates of convolutions and the
 * classifier, as for nb201. With the defaults the DARTS-V2 genotype comes out at the reported 3.3 M
 * parameters. Strided layers round odd map sizes up ('same' padding), so any image size works.
 */
export function dartsCost(
  genotype: DartsGenotype,
  task: ImageTask = DARTS_CIFAR10_TASK,
  network: DartsNetwork = DARTS_PAPER_NETWORK,
): ArchitectureCost {
  let params = 0;
  let flops = 0;
  const conv = (cin: number, cout: number, kernel: number, outPixels: number, depthwise = false) => {
    const weights = (depthwise ? 1 : cin) * cout * kernel * kernel;
    params += weights;
    flops += weights * outPixels;
  };
  const batchNorm = (channels: number) => {
    params += 2 * channels;
  };
  const reluConvBn = (cin: number, cout: number, outPixels: number) => {
    conv(cin, cout, 1, outPixels);
    batchNorm(cout);
  };
  const factorizedReduce = (cin: number, cout: number, outPixels: number) => {
    conv(cin, cout / 2, 1, outPixels);
    conv(cin, cout / 2, 1, outPixels);
    batchNorm(cout);
  };
  // sep_conv stacks two of these blocks, dil_conv is one (dilation changes neither weights nor MACs).
  const depthwisePointwiseBn = (channels: number, kernel: number, outPixels: number) => {
    conv(channels, channels, kernel, outPixels, true);
    conv(channels, channels, 1, outPixels);
    batchNorm(channels);
  };
  const operation = (op: DartsOperation, channels: number, outPixels: number, stride: number) => {
    const kernel = op.endsWith('5x5') ? 5 : 3;
    switch (op) {
      case 'sep_conv_3x3':
      case 'sep_conv_5x5':
        depthwisePointwiseBn(channels, kernel, outPixels);
        depthwisePointwiseBn(channels, kernel, outPixels);
        break;
      case 'dil_conv_3x3':
      case 'dil_conv_5x5':
        depthwisePointwiseBn(channels, kernel, outPixels);
        break;
      case 'skip_connect':
        if (stride === 2) factorizedReduce(channels, channels, outPixels);
        break;
      case 'max_pool_3x3':
      case 'avg_pool_3x3':
        break; // no parameters: the evaluation network has no BN after pools
    }
  };

  const reductionLayers = dartsReductionLayers(network.layers);
  let channels = network.channels;
  let { height, width } = task;
  conv(task.channels, STEM_MULTIPLIER * channels, 3, height * width);
  batchNorm(STEM_MULTIPLIER * channels);
  let prevPrev = STEM_MULTIPLIER * channels;
  let prev = STEM_MULTIPLIER * channels;
  let reductionPrev = false;
  for (let layer = 0; layer < network.layers; layer += 1) {
    const reduction = reductionLayers.includes(layer);
    if (reduction) channels *= 2;
    if (reductionPrev) factorizedReduce(prevPrev, channels, height * width);
    else reluConvBn(prevPrev, channels, height * width);
    reluConvBn(prev, channels, height * width);
    if (reduction) {
      height = Math.ceil(height / 2);
      width = Math.ceil(width / 2);
    }
    for (const pair of reduction ? genotype.reduce : genotype.normal) {
      for (const { op, input } of pair) operation(op, channels, height * width, reduction && input < 2 ? 2 : 1);
    }
    prevPrev = prev;
    prev = DARTS_NODES.length * channels;
    reductionPrev = reduction;
  }
  params += prev * task.classes + task.classes;
  flops += prev * task.classes;
  return { params, flops };
}

// ----------------------------------------------------------------------------------- edit actions

/** One edit of one edge: its operation or its input. Edge `slot` is the node's first (0) or second (1) edge. */
interface DartsAction {
  readonly cell: DartsCellName;
  readonly node: number;
  readonly slot: 0 | 1;
  readonly set: { readonly op: DartsOperation } | { readonly input: number };
}

/** Nodes some later node can read: the cell inputs and nodes 2..4. */
const READABLE_NODES = [0, 1, ...DARTS_NODES.slice(0, -1)];

const ACTIONS: readonly DartsAction[] = DARTS_CELLS.flatMap((cell) =>
  DARTS_NODES.flatMap((node) =>
    ([0, 1] as const).flatMap((slot) => [
      ...DARTS_OPERATIONS.map((op) => ({ cell, node, slot, set: { op } })),
      ...READABLE_NODES.map((input) => ({ cell, node, slot, set: { input } })),
    ]),
  ),
);

/**
 * The genotype after `action`, or undefined where the action is illegal: it breaks a rule or yields a cell
 * canonically equal to the current one (`own`, the current cell's canonical form, when already known).
 */
function applyIfLegal(
  genotype: DartsGenotype,
  action: DartsAction,
  own = canonicalCell(genotype[action.cell]),
): DartsGenotype | undefined {
  const { cell, node, slot, set } = action;
  const pair = genotype[cell][node - 2]!;
  const edge = { ...pair[slot], ...set };
  const other = pair[slot === 0 ? 1 : 0];
  if (edge.input >= node || edge.input === other.input) return undefined;
  const newPair: DartsNode = slot === 0 ? [edge, other] : [other, edge];
  const newCell = genotype[cell].map((current, j) => (j === node - 2 ? newPair : current));
  return canonicalCell(newCell) === own ? undefined : { ...genotype, [cell]: newCell };
}

function actionResults(genotype: DartsGenotype): (DartsGenotype | undefined)[] {
  const own = { normal: canonicalCell(genotype.normal), reduce: canonicalCell(genotype.reduce) };
  return ACTIONS.map((action) => applyIfLegal(genotype, action, own[action.cell]));
}

function neighbours(genotype: DartsGenotype): DartsGenotype[] {
  const byCanonical = new Map<string, DartsGenotype>();
  for (const result of actionResults(genotype)) {
    const key = result && canonical(result);
    if (key !== undefined && !byCanonical.has(key)) byCanonical.set(key, result!);
  }
  return [...byCanonical.values()];
}

// -------------------------------------------------------------------------------------- encodings

function adjacencyEncoding(genotype: DartsGenotype): number[] {
  return DARTS_CELLS.flatMap((cell) => {
    const bits = new Array<number>(DARTS_EDGE_COUNT * DARTS_OPERATIONS.length).fill(0);
    genotype[cell].forEach((pair, j) => {
      for (const { op, input } of pair) {
        bits[dartsEdgeIndex(input, DARTS_NODES[j]!) * DARTS_OPERATIONS.length + DARTS_OPERATIONS.indexOf(op)] = 1;
      }
    });
    return bits;
  });
}

/**
 * Path encoding (BANANAS, White et al. AAAI 2021, as NASLib applies it to DARTS): a path leaves a cell input
 * (c_{k-2} or c_{k-1}), passes 1..4 operations through intermediate nodes and reaches the output (every
 * intermediate node feeds the output). One bit per (cell, cell input, operation sequence):
 * 2 · 2 · (7 + 7^2 + 7^3 + 7^4) = 11,200 bits, not truncated.
 */
/** Number of operation sequences of 1, 2, 3 and 4 operations; `PATH_OFFSETS[n - 1]` is where those of n begin. */
const PATH_SIZES = DARTS_NODES.map((_, j) => DARTS_OPERATIONS.length ** (j + 1));
const PATH_OFFSETS = PATH_SIZES.map((_, i) => PATH_SIZES.slice(0, i).reduce((sum, size) => sum + size, 0));
const PATHS_PER_INPUT = PATH_SIZES.reduce((sum, size) => sum + size, 0);
const PATH_LENGTH = DARTS_CELLS.length * 2 * PATHS_PER_INPUT;

/** Operation sequences of the paths from a cell input that end at intermediate node `node`. */
function pathsInto(cell: DartsCell, node: number): { from: number; ops: DartsOperation[] }[] {
  return cell[node - 2]!.flatMap(({ op, input }) =>
    input < 2 ? [{ from: input, ops: [op] }] : pathsInto(cell, input).map((path) => ({ from: path.from, ops: [...path.ops, op] })),
  );
}

function pathEncoding(genotype: DartsGenotype): number[] {
  const bits = new Array<number>(PATH_LENGTH).fill(0);
  DARTS_CELLS.forEach((cell, c) => {
    for (const node of DARTS_NODES) {
      for (const { from, ops } of pathsInto(genotype[cell], node)) {
        const index = ops.reduce((code, op) => code * DARTS_OPERATIONS.length + DARTS_OPERATIONS.indexOf(op), 0);
        bits[(2 * c + from) * PATHS_PER_INPUT + PATH_OFFSETS[ops.length - 1]! + index] = 1;
      }
    }
  });
  return bits;
}

// ------------------------------------------------------------------------------------------ graph

function graph(genotype: DartsGenotype): ArchitectureGraph {
  const id = (cell: DartsCellName, node: number | 'out') => `${cell}-${node}`;
  const label = (node: number) => (node === 0 ? 'c_{k-2}' : node === 1 ? 'c_{k-1}' : `node ${node}`);
  return {
    nodes: DARTS_CELLS.flatMap((cell) => [
      ...[0, 1, ...DARTS_NODES].map((node) => ({ id: id(cell, node), label: `${cell} ${label(node)}` })),
      { id: id(cell, 'out'), label: `${cell} output` },
    ]),
    edges: DARTS_CELLS.flatMap((cell) =>
      DARTS_NODES.flatMap((node, j) => [
        ...genotype[cell][j]!.map(({ op, input }) => ({ from: id(cell, input), to: id(cell, node), label: op })),
        { from: id(cell, node), to: id(cell, 'out') },
      ]),
    ),
  };
}

// ------------------------------------------------------------------------------------------ space

/** Each node: a uniformly random pair of different inputs (written low first) and two uniform operations. */
function sampleCell(rng: Rng): DartsCell {
  return DARTS_NODES.map((node) => {
    const first = rng.int(0, node - 1);
    const second = rng.int(0, node - 2);
    const other = second >= first ? second + 1 : second;
    return [
      { op: rng.pick(DARTS_OPERATIONS), input: Math.min(first, other) },
      { op: rng.pick(DARTS_OPERATIONS), input: Math.max(first, other) },
    ];
  });
}

function actionLabel(action: number): string {
  const { cell, node, slot, set } = ACTIONS[action]!;
  return `${cell} node ${node} edge ${slot}: ${'op' in set ? `op := ${set.op}` : `input := ${set.input}`}`;
}

export const dartsSpace: SearchSpace<DartsGenotype> = {
  name: 'darts',
  description: 'DARTS / NAS-Bench-301 cells: normal and reduction cell, 4 nodes each summing 2 of 7 operations on earlier nodes (~10^18)',
  sample: (rng) => ({ normal: sampleCell(rng), reduce: sampleCell(rng) }),
  parse(value: unknown): DartsGenotype {
    if (typeof value === 'string') return parseString(value);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return parseObject(value as Record<string, unknown>);
    throw new InvalidArchitecture(
      'darts.type',
      'a darts architecture is its string form or {"normal": [[op, input], ...], "reduce": [...]}',
    );
  },
  format,
  toJSON: (genotype) =>
    Object.fromEntries(DARTS_CELLS.map((cell) => [cell, genotype[cell].flatMap((pair) => pair.map(({ op, input }) => [op, input]))])),
  canonical,
  cost: (genotype) => dartsCost(genotype),
  neighbours,
  mutate: (genotype, rng) => rng.pick(neighbours(genotype)),
  actionCount: ACTIONS.length,
  actionLabel,
  legalActions: (genotype) => actionResults(genotype).map((result) => result !== undefined),
  applyAction(genotype, action) {
    const move = ACTIONS[action];
    const result = move && applyIfLegal(genotype, move);
    if (!result) {
      const name = move ? ` (${actionLabel(action)})` : '';
      throw new InvalidArchitecture('darts.action', `action ${action}${name} is not legal here`);
    }
    return result;
  },
  encode: (genotype, kind) => (kind === 'path' ? pathEncoding(genotype) : adjacencyEncoding(genotype)),
  encodingLength: (kind) => (kind === 'path' ? PATH_LENGTH : DARTS_CELLS.length * DARTS_EDGE_COUNT * DARTS_OPERATIONS.length),
  graph,
};
