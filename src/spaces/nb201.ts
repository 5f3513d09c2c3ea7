import { InvalidArchitecture } from '../errors.js';
import type { Rng } from '../random/rng.js';
import type { ImageTask } from './cnn.js';
import type { ArchitectureCost, SearchSpace } from './space.js';

/**
 * The NAS-Bench-201 cell space (Dong & Yang, ICLR 2020): a DAG of 4 nodes where each of the 6 edges
 * j <- i (i < j) carries one of 5 operations; 5^6 = 15,625 cells.
 *
 * Canonical form: the NB201 string itself. NB201 trained every one of the 15,625 strings separately, so
 * two cells that are isomorphic (e.g. differ only behind a `none` edge) are still distinct table entries
 * with distinct measured accuracies; merging them would hide benchmark data.
 */
export const NB201_OPERATIONS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Operation = (typeof NB201_OPERATIONS)[number];

/** Edge k connects `from` to `to`, in the order the NB201 string lists them. */
export const NB201_EDGES = [
  { from: 0, to: 1 },
  { from: 0, to: 2 },
  { from: 1, to: 2 },
  { from: 0, to: 3 },
  { from: 1, to: 3 },
  { from: 2, to: 3 },
] as const;

/** Operations on the 6 edges, in `NB201_EDGES` order. */
export type Nb201Cell = readonly Nb201Operation[];

const STRING_FORM = /^\|[^|]+\|\+\|[^|]+\|[^|]+\|\+\|[^|]+\|[^|]+\|[^|]+\|$/;

function isOperation(value: string): value is Nb201Operation {
  return (NB201_OPERATIONS as readonly string[]).includes(value);
}

function parseString(text: string): Nb201Cell {
  if (!STRING_FORM.test(text)) {
    throw new InvalidArchitecture(
      'nb201.format',
      `expected '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|', got '${text}'`,
    );
  }
  const tokens = text.split('+').flatMap((node) => node.split('|').filter((token) => token !== ''));
  return tokens.map((token, k) => {
    const [op = '', source] = token.split('~');
    const edge = NB201_EDGES[k]!;
    if (!isOperation(op)) {
      throw new InvalidArchitecture('nb201.operation', `unknown operation '${op}' (one of ${NB201_OPERATIONS.join(', ')})`);
    }
    if (source !== String(edge.from)) {
      throw new InvalidArchitecture('nb201.edge', `edge ${k + 1} must come from node ${edge.from}, got '${token}'`);
    }
    return op;
  });
}

function parseList(list: readonly unknown[]): Nb201Cell {
  if (list.length !== NB201_EDGES.length) {
    throw new InvalidArchitecture('nb201.edges', `expected ${NB201_EDGES.length} operations, got ${list.length}`);
  }
  return list.map((op) => {
    if (typeof op !== 'string' || !isOperation(op)) {
      throw new InvalidArchitecture('nb201.operation', `unknown operation '${String(op)}' (one of ${NB201_OPERATIONS.join(', ')})`);
    }
    return op;
  });
}

function format(cell: Nb201Cell): string {
  const nodes = [1, 2, 3].map((to) =>
    NB201_EDGES.flatMap((edge, k) => (edge.to === to ? [`${cell[k]}~${edge.from}`] : [])).join('|'),
  );
  return `|${nodes.join('|+|')}|`;
}

/** The skeleton's per-task knobs: channels of the first stage (doubled at each reduction) and cells per stage. */
export interface Nb201Skeleton {
  readonly channels: number;
  readonly cellsPerStage: number;
}

/** The skeleton of the NAS-Bench-201 paper: 16 channels, 5 cells per stage. */
export const NB201_PAPER_SKELETON: Nb201Skeleton = { channels: 16, cellsPerStage: 5 };

/** The task `nb201Space.cost` counts for, as the benchmark trained it: CIFAR-10, 32x32x3 images, 10 classes. */
export const NB201_CIFAR10_TASK: ImageTask = { height: 32, width: 32, channels: 3, classes: 10 };

function convCost(cin: number, cout: number, kernel: number, outPixels: number, withBn: boolean): ArchitectureCost {
  const weights = cin * cout * kernel * kernel;
  return { params: weights + (withBn ? 2 * cout : 0), flops: weights * outPixels };
}

function addCosts(costs: readonly ArchitectureCost[]): ArchitectureCost {
  return costs.reduce((sum, c) => ({ params: sum.params + c.params, flops: sum.flops + c.flops }), { params: 0, flops: 0 });
}

function edgeCost(op: Nb201Operation, channels: number, pixels: number): ArchitectureCost {
  switch (op) {
    case 'nor_conv_3x3':
      return convCost(channels, channels, 3, pixels, true);
    case 'nor_conv_1x1':
      return convCost(channels, channels, 1, pixels, true);
    default:
      return { params: 0, flops: 0 };
  }
}

function reductionCost(cin: number, cout: number, outPixels: number): ArchitectureCost {
  return addCosts([
    convCost(cin, cout, 3, outPixels, true),
    convCost(cout, cout, 3, outPixels, true),
    convCost(cin, cout, 1, outPixels, false),
  ]);
}

/**
 * Trainable parameters and multiply-accumulates of the NB201 skeleton around `cell`: a 3x3 stem conv + BN
 * to C channels, three stages of N cells at C/2C/4C channels, a residual reduction block between stages
 * (ReLU-conv3x3-BN with stride 2, ReLU-conv3x3-BN, and a 2x2 average pool + 1x1 conv shortcut), BN + ReLU,
 * global pooling and a linear classifier. Counting follows the reference PyTorch modules (ReLU-Conv-BN ops
 * with affine BN, bias-free convolutions; BN's running statistics are not parameters), which with the
 * defaults reproduces the published sizes: 0.0733 M parameters for the all-`none` cell and 1.5315 M /
 * 220.1 M FLOPs for the all-`nor_conv_3x3` cell on CIFAR-10. Strided layers round odd map sizes up
 * ('same' padding), so any image size works.
 */
export function nb201Cost(
  cell: Nb201Cell,
  task: ImageTask = NB201_CIFAR10_TASK,
  skeleton: Nb201Skeleton = NB201_PAPER_SKELETON,
): ArchitectureCost {
  const heights = [task.height, Math.ceil(task.height / 2), Math.ceil(task.height / 4)];
  const widths = [task.width, Math.ceil(task.width / 2), Math.ceil(task.width / 4)];
  const stages = heights.map((height, i) => ({ channels: skeleton.channels * 2 ** i, pixels: height * widths[i]! }));
  const cellCosts = stages.map(({ channels, pixels }) => {
    const one = addCosts(cell.map((op) => edgeCost(op, channels, pixels)));
    return { params: one.params * skeleton.cellsPerStage, flops: one.flops * skeleton.cellsPerStage };
  });
  const [first, second, third] = [stages[0]!, stages[1]!, stages[2]!];
  return addCosts([
    convCost(task.channels, first.channels, 3, first.pixels, true),
    ...cellCosts,
    reductionCost(first.channels, second.channels, second.pixels),
    reductionCost(second.channels, third.channels, third.pixels),
    { params: 2 * third.channels, flops: 0 },
    { params: third.channels * task.classes + task.classes, flops: third.channels * task.classes },
  ]);
}

const ACTIONS = NB201_EDGES.flatMap((_, edge) => NB201_OPERATIONS.map((op) => ({ edge, op })));

function withOperation(cell: Nb201Cell, edge: number, op: Nb201Operation): Nb201Cell {
  return cell.map((current, k) => (k === edge ? op : current));
}

/**
 * Input-to-output paths of the cell (0 -> 3), as edge indices, for the path encoding: 0-3, 0-1-3, 0-2-3,
 * 0-1-2-3. A path is "taken" with the operations on its edges; paths through a `none` edge carry nothing.
 */
const PATHS: readonly (readonly number[])[] = [[3], [0, 4], [1, 5], [0, 2, 5]];
const OPS_WITHOUT_NONE: readonly Nb201Operation[] = NB201_OPERATIONS.filter((op) => op !== 'none');
const PATH_SIZES = PATHS.map((path) => OPS_WITHOUT_NONE.length ** path.length);
const PATH_OFFSETS = PATH_SIZES.map((_, i) => PATH_SIZES.slice(0, i).reduce((sum, size) => sum + size, 0));
const PATH_LENGTH = PATH_SIZES.reduce((sum, size) => sum + size, 0);

function pathEncoding(cell: Nb201Cell): number[] {
  const bits = new Array<number>(PATH_LENGTH).fill(0);
  PATHS.forEach((path, i) => {
    const ops = path.map((edge) => cell[edge]!);
    if (ops.includes('none')) return;
    const index = ops.reduce((code, op) => code * OPS_WITHOUT_NONE.length + OPS_WITHOUT_NONE.indexOf(op), 0);
    bits[PATH_OFFSETS[i]! + index] = 1;
  });
  return bits;
}

export const nb201Space: SearchSpace<Nb201Cell> = {
  name: 'nb201',
  description: 'NAS-Bench-201 cell: 6 edges of a 4-node DAG, 5 operations each (15,625 cells)',
  sample: (rng: Rng) => NB201_EDGES.map(() => rng.pick(NB201_OPERATIONS)),
  parse(value: unknown): Nb201Cell {
    if (typeof value === 'string') return parseString(value);
    if (Array.isArray(value)) return parseList(value);
    throw new InvalidArchitecture('nb201.type', 'an nb201 architecture is its NB201 string or a list of 6 operations');
  },
  format,
  toJSON: (cell) => [...cell],
  canonical: format,
  cost: (cell) => nb201Cost(cell),
  neighbours: (cell) =>
    NB201_EDGES.flatMap((_, edge) => NB201_OPERATIONS.filter((op) => op !== cell[edge]).map((op) => withOperation(cell, edge, op))),
  mutate(cell, rng) {
    const edge = rng.int(0, NB201_EDGES.length - 1);
    return withOperation(cell, edge, rng.pick(NB201_OPERATIONS.filter((op) => op !== cell[edge])));
  },
  actionCount: ACTIONS.length,
  actionLabel(action) {
    const { edge, op } = ACTIONS[action]!;
    return `edge ${NB201_EDGES[edge]!.from}->${NB201_EDGES[edge]!.to} := ${op}`;
  },
  legalActions: (cell) => ACTIONS.map(({ edge, op }) => cell[edge] !== op),
  applyAction(cell, action) {
    const move = ACTIONS[action];
    if (!move || cell[move.edge] === move.op) {
      throw new InvalidArchitecture('nb201.action', `action ${action} is not legal here`);
    }
    return withOperation(cell, move.edge, move.op);
  },
  encode: (cell, kind) =>
    kind === 'path' ? pathEncoding(cell) : cell.flatMap((op) => NB201_OPERATIONS.map((candidate) => (candidate === op ? 1 : 0))),
  encodingLength: (kind) => (kind === 'path' ? PATH_LENGTH : NB201_EDGES.length * NB201_OPERATIONS.length),
  graph: (cell) => ({
    nodes: [0, 1, 2, 3].map((node) => ({ id: String(node), label: node === 0 ? 'input' : node === 3 ? 'output' : `node ${node}` })),
    edges: NB201_EDGES.flatMap((edge, k) =>
      cell[k] === 'none' ? [] : [{ from: String(edge.from), to: String(edge.to), label: cell[k] }],
    ),
  }),
};
