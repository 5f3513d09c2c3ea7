import { InvalidArchitecture } from '../errors.js';
import type { Rng } from '../random/rng.js';
import { canonicalDagOrder } from './rnn-canonical-order.js';
import {
  HIDDEN_OUTPUT,
  MEMORY_OUTPUT,
  RNN_ACTIVATIONS,
  RNN_COMBINATIONS,
  RNN_MAX_BLOCKS,
  RNN_RECURRENT_SOURCES,
  RNN_SOURCES,
  copyCell,
  fail,
  formatCell,
  makeBlock,
  parseCellJson,
  parseCellString,
  rnnCellParameters,
  topologicalBlocks,
  type RnnBlock,
  type RnnCell,
} from './rnn-cell.js';
import { applyMorphism, type RnnMorphism, type RnnMorphismResult } from './rnn-morphisms.js';
import type { ArchitectureCost, ArchitectureGraph, EncodingKind, SearchSpace } from './space.js';

/**
 * The `rnn` space: recurrent block cells searched with the network morphisms of MOE/RNAS (Booysen &
 * Bosman 2024); see `rnn-cell.ts` for the cell and its rules, `rnn-morphisms.ts` for the seven edits.
 * A language model around a cell embeds tokens (`embeddingSize`), runs the cell over the sequence
 * (`hiddenSize`) and predicts the next token with a dense softmax over the vocabulary.
 *
 * String form: `z=linear_bias:add(x_t,h_t-1);h_t=tanh(z)` (the basic RNN); JSON form
 * `{"blocks": [{"id": "z", "inputs": ["x_t", "h_t-1"], "activation": "linear_bias", "combination": "add"}, ...]}`.
 */

/** Sizes of the language model around a cell; the vocabulary comes from the dataset. */
export interface RnnTask {
  readonly vocabSize: number;
  readonly embeddingSize: number;
  readonly hiddenSize: number;
}

/** Zaremba et al.'s "small" Penn Treebank setting (10,000 words, 200 units), one layer: what `cost` counts for. */
export const RNN_NOMINAL_TASK: RnnTask = { vocabSize: 10_000, embeddingSize: 200, hiddenSize: 200 };

/**
 * Trainable parameters of the whole language model (embedding, cell, softmax layer) and multiply-accumulates
 * per token (the cell's matrices and the softmax layer; an embedding lookup multiplies nothing).
 */
export function rnnCost(cell: RnnCell, task: RnnTask = RNN_NOMINAL_TASK): ArchitectureCost {
  const { vocabSize, embeddingSize, hiddenSize } = task;
  const parameters = rnnCellParameters(cell);
  const matrices = parameters.reduce((sum, p) => sum + (p.rows === undefined ? 0 : (p.rows === 'embedding' ? embeddingSize : hiddenSize) * hiddenSize), 0);
  const biases = parameters.filter((p) => p.rows === undefined).length * hiddenSize;
  const softmax = hiddenSize * vocabSize;
  return { params: vocabSize * embeddingSize + matrices + biases + softmax + vocabSize, flops: matrices + softmax };
}

// ------------------------------------------------------------------------------------------ seeds

const gate = (name: string, activation: 'sigmoid' | 'tanh', input = 'h_t-1'): RnnBlock[] => [
  makeBlock(`z${name}`, ['x_t', input], 'linear_bias', 'add'),
  makeBlock(name, [`z${name}`], activation),
];

/**
 * The first population of MOE/RNAS: the Elman RNN, the GRU (Cho et al. 2014, reset gate applied before the
 * recurrent matrix) and the LSTM (Hochreiter & Schmidhuber 1997 with a forget gate, Gers et al. 2000), as
 * block cells. Each matches TensorFlow.js's `simpleRNN` / `gru` / `lstm` (with sigmoid gates) given the
 * same weights, which the tests check.
 */
export function rnnSeedCells(): { readonly rnn: RnnCell; readonly gru: RnnCell; readonly lstm: RnnCell } {
  const rnn = { blocks: [makeBlock('z', ['x_t', 'h_t-1'], 'linear_bias', 'add'), makeBlock(HIDDEN_OUTPUT, ['z'], 'tanh')] };
  const gru = {
    blocks: [
      ...gate('r', 'sigmoid'),
      ...gate('u', 'sigmoid'),
      makeBlock('rh', ['r', 'h_t-1'], 'identity', 'mul'),
      ...gate('n', 'tanh', 'rh'),
      // h_t = (1 - u) n + u h_{t-1} = n + u (h_{t-1} - n)
      makeBlock('d', ['h_t-1', 'n'], 'identity', 'sub'),
      makeBlock('ud', ['u', 'd'], 'identity', 'mul'),
      makeBlock(HIDDEN_OUTPUT, ['n', 'ud'], 'identity', 'add'),
    ],
  };
  const lstm = {
    blocks: [
      ...gate('i', 'sigmoid'),
      ...gate('f', 'sigmoid'),
      ...gate('g', 'tanh'),
      ...gate('o', 'sigmoid'),
      makeBlock('fc', ['f', 'c_t-1'], 'identity', 'mul'),
      makeBlock('ig', ['i', 'g'], 'identity', 'mul'),
      makeBlock(MEMORY_OUTPUT, ['fc', 'ig'], 'identity', 'add'),
      makeBlock('tc', [MEMORY_OUTPUT], 'tanh'),
      makeBlock(HIDDEN_OUTPUT, ['o', 'tc'], 'identity', 'mul'),
    ],
  };
  return { rnn, gru, lstm };
}

// -------------------------------------------------------------------------------------- canonical

const SOURCE_NAMES: readonly string[] = RNN_SOURCES;

const blockLabel = (block: RnnBlock): string =>
  `${block.id === HIDDEN_OUTPUT || block.id === MEMORY_OUTPUT ? `${block.id} ` : ''}${block.activation}:${block.combination ?? ''}`;

/**
 * The cell with blocks renamed `b1, b2, ...` (outputs keep their names) in an exact canonical order, and the
 * inputs of commutative combinations sorted: isomorphic cells become the same list. Ordered inputs are
 * labelled for `canonicalDagOrder` by routing the subtrahend of a `sub` through a virtual `negated` node.
 */
function canonicalCell(cell: RnnCell): RnnCell {
  const names = [...RNN_SOURCES, ...cell.blocks.map((b) => b.id)];
  const labels = [...RNN_SOURCES, ...cell.blocks.map(blockLabel)];
  const edges: [number, number][] = [];
  cell.blocks.forEach((block, k) => {
    const node = RNN_SOURCES.length + k;
    block.inputs.forEach((input, position) => {
      const from = names.indexOf(input);
      if (block.combination === 'sub' && position === 1) {
        labels.push('negated');
        edges.push([from, labels.length - 1], [labels.length - 1, node]);
      } else edges.push([from, node]);
    });
  });
  const position = new Map(canonicalDagOrder(labels, edges).map((node, k) => [names[node], k]));
  // Listed topologically for people, each time taking the ready block that comes first canonically.
  const ordered: RnnBlock[] = [];
  const placed = new Set<string>(RNN_SOURCES);
  while (ordered.length < cell.blocks.length) {
    const ready = cell.blocks.filter((b) => !placed.has(b.id) && b.inputs.every((input) => placed.has(input)));
    const first = ready.reduce((a, b) => (position.get(a.id)! < position.get(b.id)! ? a : b));
    ordered.push(first);
    placed.add(first.id);
  }
  const renamed = new Map<string, string>(RNN_SOURCES.map((s) => [s, s]));
  let next = 1;
  for (const block of ordered) renamed.set(block.id, block.id === HIDDEN_OUTPUT || block.id === MEMORY_OUTPUT ? block.id : `b${next++}`);
  const rank = (id: string) => (SOURCE_NAMES.includes(id) ? SOURCE_NAMES.indexOf(id) : RNN_SOURCES.length + ordered.findIndex((b) => b.id === id));
  return {
    blocks: ordered.map((block) => {
      const inputs = block.combination === 'sub' ? [...block.inputs] : [...block.inputs].sort((a, b) => rank(a) - rank(b));
      return makeBlock(renamed.get(block.id)!, inputs.map((input) => renamed.get(input)!), block.activation, block.combination);
    }),
  };
}

/**
 * Canonical forms by string form, because a search asks again and again for the same few cells (every
 * neighbour listing and legality mask recomputes the parent's and each child's). Bounded; a pure cache.
 */
const CANONICAL_CACHE_SIZE = 20_000;
const canonicalCache = new Map<string, string>();
function canonical(cell: RnnCell): string {
  const form = formatCell(cell);
  let found = canonicalCache.get(form);
  if (found === undefined) {
    if (canonicalCache.size >= CANONICAL_CACHE_SIZE) canonicalCache.clear();
    found = formatCell(canonicalCell(cell));
    canonicalCache.set(form, found);
  }
  return found;
}

// ---------------------------------------------------------------------------------------- actions

/**
 * The fixed action set: the seven morphisms addressed by slots, slot k being the cell's k-th listed block
 * (RNN_MAX_BLOCKS slots). An action on an empty slot, or a morphism the cell does not allow, is illegal.
 */
type Action =
  | { readonly kind: 'add-unit'; readonly slot: number; readonly input: number }
  | { readonly kind: 'add-connection'; readonly from: 'x_t' | number; readonly slot: number }
  | { readonly kind: 'add-recurrent-connection'; readonly from: string; readonly slot: number }
  | { readonly kind: 'remove-unit'; readonly slot: number }
  | { readonly kind: 'remove-connection'; readonly slot: number; readonly input: number }
  | { readonly kind: 'change-activation'; readonly slot: number; readonly activation: (typeof RNN_ACTIVATIONS)[number] }
  | { readonly kind: 'change-combination'; readonly slot: number; readonly combination: (typeof RNN_COMBINATIONS)[number] };

const SLOTS = Array.from({ length: RNN_MAX_BLOCKS }, (_, k) => k);
const INPUT_POSITIONS = [0, 1];
const ACTIONS: readonly Action[] = [
  ...SLOTS.flatMap((slot) => INPUT_POSITIONS.map((input): Action => ({ kind: 'add-unit', slot, input }))),
  ...SLOTS.flatMap((slot) => (['x_t', ...SLOTS] as const).map((from): Action => ({ kind: 'add-connection', from, slot }))),
  ...SLOTS.flatMap((slot) => RNN_RECURRENT_SOURCES.map((from): Action => ({ kind: 'add-recurrent-connection', from, slot }))),
  ...SLOTS.map((slot): Action => ({ kind: 'remove-unit', slot })),
  ...SLOTS.flatMap((slot) => INPUT_POSITIONS.map((input): Action => ({ kind: 'remove-connection', slot, input }))),
  ...SLOTS.flatMap((slot) => RNN_ACTIVATIONS.map((activation): Action => ({ kind: 'change-activation', slot, activation }))),
  ...SLOTS.flatMap((slot) => RNN_COMBINATIONS.map((combination): Action => ({ kind: 'change-combination', slot, combination }))),
];

/** The morphism an action means for this cell, or undefined when it names an empty slot. */
function morphismOf(cell: RnnCell, action: Action): RnnMorphism | undefined {
  const id = (slot: number) => cell.blocks[slot]?.id;
  const block = id(action.slot);
  if (block === undefined) return undefined;
  switch (action.kind) {
    case 'add-unit':
    case 'remove-connection':
      return { kind: action.kind, block, input: action.input };
    case 'add-connection': {
      const from = action.from === 'x_t' ? 'x_t' : id(action.from);
      return from === undefined ? undefined : { kind: action.kind, from, to: block };
    }
    case 'add-recurrent-connection':
      return { kind: action.kind, from: action.from, to: block };
    case 'remove-unit':
      return { kind: action.kind, block };
    case 'change-activation':
      return { kind: action.kind, block, activation: action.activation };
    case 'change-combination':
      return { kind: action.kind, block, combination: action.combination };
  }
}

function actionLabel(index: number): string {
  const action = ACTIONS[index];
  if (!action) throw new RangeError(`no action ${index} (rnn has ${ACTIONS.length})`);
  const slot = `slot ${action.slot}`;
  switch (action.kind) {
    case 'add-unit':
      return `add unit on input ${action.input} of ${slot}`;
    case 'add-connection':
      return `add connection ${action.from === 'x_t' ? 'x_t' : `slot ${action.from}`} -> ${slot}`;
    case 'add-recurrent-connection':
      return `add recurrent connection ${action.from} -> ${slot}`;
    case 'remove-unit':
      return `remove unit ${slot}`;
    case 'remove-connection':
      return `remove input ${action.input} of ${slot}`;
    case 'change-activation':
      return `${slot} activation := ${action.activation}`;
    case 'change-combination':
      return `${slot} combination := ${action.combination}`;
  }
}

interface Outcome {
  readonly result: RnnMorphismResult;
  readonly canonical: string;
}

/** What action `index` makes of `cell`: a valid, different cell, or undefined when the action is illegal. */
function outcome(cell: RnnCell, own: string, index: number): Outcome | undefined {
  const morphism = morphismOf(cell, ACTIONS[index]!);
  if (morphism === undefined) return undefined;
  const result = tryMorphism(cell, morphism);
  if (result === undefined) return undefined;
  const form = canonical(result.child);
  return form === own ? undefined : { result, canonical: form };
}

function tryMorphism(cell: RnnCell, morphism: RnnMorphism): RnnMorphismResult | undefined {
  try {
    return applyMorphism(cell, morphism);
  } catch (error) {
    if (error instanceof InvalidArchitecture) return undefined;
    throw error;
  }
}

function outcomes(cell: RnnCell): (Outcome | undefined)[] {
  const own = canonical(cell);
  return ACTIONS.map((_, index) => outcome(cell, own, index));
}

function neighbours(cell: RnnCell): RnnCell[] {
  const seen = new Set<string>();
  return outcomes(cell).flatMap((found) => {
    if (found === undefined || seen.has(found.canonical)) return [];
    seen.add(found.canonical);
    return [found.result.child];
  });
}

/**
 * A random morphism that changes the network, with its record (what happened, how weights carry over):
 * the legal actions tried in random order, so every legal action is equally likely. Undefined only for a
 * cell no morphism changes, which the seven morphisms never leave.
 */
export function rnnRandomMorphism(cell: RnnCell, rng: Rng): RnnMorphismResult | undefined {
  const own = canonical(cell);
  for (const index of rng.shuffle(ACTIONS.map((_, k) => k))) {
    const found = outcome(cell, own, index);
    if (found) return found.result;
  }
  return undefined;
}

/**
 * The morphism that turned `parent` into `child` (blocks, ids and order exactly as the morphism left them),
 * so an evaluator holding only a trial and its parent can inherit the parent's weights.
 */
export function rnnMorphismBetween(parent: RnnCell, child: RnnCell): RnnMorphismResult | undefined {
  const target = formatCell(child);
  for (const action of ACTIONS) {
    const morphism = morphismOf(parent, action);
    const result = morphism && tryMorphism(parent, morphism);
    if (result && formatCell(result.child) === target) return result;
  }
  return undefined;
}

function mutate(cell: RnnCell, rng: Rng): RnnCell {
  const result = rnnRandomMorphism(cell, rng);
  if (result === undefined) fail('rnn.morphism', `no morphism changes ${formatCell(cell)}`);
  return result.child;
}

/** MOE/RNAS's initial population grown by random morphisms: a seed cell, then 0-8 random morphisms. */
const MAX_SAMPLE_MORPHISMS = 8;
function sample(rng: Rng): RnnCell {
  let cell = rng.pick(Object.values(rnnSeedCells()));
  for (let steps = rng.int(0, MAX_SAMPLE_MORPHISMS); steps > 0; steps--) cell = mutate(cell, rng);
  return cell;
}

// -------------------------------------------------------------------------------------- encodings

const SLOT_FEATURES = 2 + RNN_ACTIVATIONS.length + RNN_COMBINATIONS.length + RNN_SOURCES.length + RNN_MAX_BLOCKS;

/**
 * Per slot of the canonical cell (absent slots all zero): an `h_t` and a `c_t` flag, one-hot activation and
 * combination, then where its inputs come from (3 sources, then slots): 1, or -1 for a subtracted input.
 */
function adjacencyEncoding(cell: RnnCell): number[] {
  const { blocks } = parseCellString(canonical(cell));
  const position = (id: string) => (SOURCE_NAMES.includes(id) ? SOURCE_NAMES.indexOf(id) : RNN_SOURCES.length + blocks.findIndex((b) => b.id === id));
  return SLOTS.flatMap((slot) => {
    const block = blocks[slot];
    const features = new Array<number>(SLOT_FEATURES).fill(0);
    if (block === undefined) return features;
    features[0] = block.id === HIDDEN_OUTPUT ? 1 : 0;
    features[1] = block.id === MEMORY_OUTPUT ? 1 : 0;
    features[2 + RNN_ACTIVATIONS.indexOf(block.activation)] = 1;
    if (block.combination) features[2 + RNN_ACTIVATIONS.length + RNN_COMBINATIONS.indexOf(block.combination)] = 1;
    const inputsAt = 2 + RNN_ACTIVATIONS.length + RNN_COMBINATIONS.length;
    block.inputs.forEach((input, k) => {
      features[inputsAt + position(input)] = block.combination === 'sub' && k === 1 ? -1 : 1;
    });
    return features;
  });
}

/**
 * Path encoding in the manner of BANANAS (White et al., AAAI 2021): one bit per source -> output path,
 * labelled by the blocks along it. A cell of up to 20 blocks has far too many possible paths for one bit
 * each, so each labelled path is hashed into PATH_BUCKETS bits (a rolling hash extended block by block,
 * which a pass over the DAG computes without listing the paths). Isomorphic cells share their paths.
 */
const PATH_BUCKETS = 256;
const PATH_MULTIPLIER = 31;
const labelCode = (label: string) => [...label].reduce((hash, char) => (hash * PATH_MULTIPLIER + char.charCodeAt(0)) % 1_000_003, 7);

function pathEncoding(cell: RnnCell): number[] {
  const reached = new Map<string, Set<number>>(RNN_SOURCES.map((s) => [s, new Set([labelCode(s) % PATH_BUCKETS])]));
  for (const block of topologicalBlocks(cell)!) {
    const code = labelCode(blockLabel(block));
    const buckets = new Set<number>();
    block.inputs.forEach((input, k) => {
      // The subtrahend of a sub is marked so that a - b and b - a hash apart.
      const step = code + (block.combination === 'sub' && k === 1 ? 1 : 0);
      for (const hash of reached.get(input)!) buckets.add((hash * PATH_MULTIPLIER + step) % PATH_BUCKETS);
    });
    reached.set(block.id, buckets);
  }
  const bits = new Array<number>(PATH_BUCKETS).fill(0);
  for (const output of [HIDDEN_OUTPUT, MEMORY_OUTPUT]) for (const hash of reached.get(output) ?? []) bits[hash] = 1;
  return bits;
}

// ------------------------------------------------------------------------------------------ graph

function graph(cell: RnnCell): ArchitectureGraph {
  const used = RNN_SOURCES.filter((source) => cell.blocks.some((b) => b.inputs.includes(source)));
  return {
    nodes: [
      ...used.map((source) => ({ id: source, label: source })),
      ...cell.blocks.map((b) => ({ id: b.id, label: `${b.id}: ${b.activation}${b.combination ? ` ${b.combination}` : ''}` })),
    ],
    edges: cell.blocks.flatMap((b) =>
      b.inputs.map((input, k) => (b.combination === 'sub' && k === 1 ? { from: input, to: b.id, label: 'minus' } : { from: input, to: b.id })),
    ),
  };
}

export const rnnSpace: SearchSpace<RnnCell> = {
  name: 'rnn',
  description: `recurrent block cells (MOE/RNAS): up to ${RNN_MAX_BLOCKS} blocks, 6 activations, add/mul/sub, seeded with RNN, GRU and LSTM`,
  sample,
  seeds: () => Object.values(rnnSeedCells()),
  parse(value: unknown): RnnCell {
    if (typeof value === 'string') return parseCellString(value);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return parseCellJson(value);
    return fail('rnn.type', `an rnn architecture is its string form ('z=linear_bias:add(x_t,h_t-1);h_t=tanh(z)') or {"blocks": [...]}`);
  },
  format: formatCell,
  toJSON: copyCell,
  canonical,
  cost: (cell) => rnnCost(cell),
  neighbours,
  mutate,
  actionCount: ACTIONS.length,
  actionLabel,
  legalActions: (cell) => outcomes(cell).map((found) => found !== undefined),
  applyAction(cell, index) {
    const found = outcome(cell, canonical(cell), index);
    if (found === undefined) fail('rnn.action', `action ${index} (${actionLabel(index)}) is not legal here`);
    return found.result.child;
  },
  encode: (cell: RnnCell, kind: EncodingKind) => (kind === 'path' ? pathEncoding(cell) : adjacencyEncoding(cell)),
  encodingLength: (kind) => (kind === 'path' ? PATH_BUCKETS : RNN_MAX_BLOCKS * SLOT_FEATURES),
  graph,
};
