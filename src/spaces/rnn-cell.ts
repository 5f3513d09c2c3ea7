import { z } from 'zod';
import { InvalidArchitecture } from '../errors.js';
import { issueFields } from '../search/issue-fields.js';

/**
 * Recurrent block cells in the style of MOE/RNAS (Booysen & Bosman, "Multi-objective evolution of recurrent
 * neural architectures with network morphisms", Neural Processing Letters 2024): one time step of a
 * recurrent network as a DAG of blocks. A block reads one or two values, combines two of them (add,
 * elementwise multiply, subtract) and applies an activation. The reserved sources are the step's input
 * `x_t` and the previous state `h_t-1` (and memory `c_t-1`); the reserved blocks `h_t` (and `c_t`) are the
 * new state, which the next step reads as `h_t-1` (`c_t-1`).
 *
 * Parameters live in linear blocks (`linear`, `linear_bias`), as in the paper; we give a linear block one
 * weight matrix per input, `act = comb(in_1 W_1, in_2 W_2) (+ b)`, so that `add` is the usual
 * `W x + U h + b`, and a new input can join with a zero matrix without changing what the block computes.
 * Every value is `hiddenSize` wide except `x_t` (`embeddingSize`), so only linear blocks may read `x_t`.
 *
 * This module holds the architecture value and its rules; `rnn.ts` is the search space over it and
 * `rnn-morphisms.ts` the seven edits.
 */
export const RNN_ACTIVATIONS = ['identity', 'tanh', 'sigmoid', 'relu', 'linear', 'linear_bias'] as const;
export type RnnActivation = (typeof RNN_ACTIVATIONS)[number];
export const RNN_COMBINATIONS = ['add', 'mul', 'sub'] as const;
export type RnnCombination = (typeof RNN_COMBINATIONS)[number];

/** The step's input and the recurrent state read from the previous step. */
export const RNN_SOURCES = ['x_t', 'h_t-1', 'c_t-1'] as const;
export type RnnSource = (typeof RNN_SOURCES)[number];
export const RNN_RECURRENT_SOURCES = ['h_t-1', 'c_t-1'] as const;
export const HIDDEN_OUTPUT = 'h_t';
export const MEMORY_OUTPUT = 'c_t';
/** Blocks in a cell, `h_t` and `c_t` included: a fixed frame for the edit actions and the encodings. */
export const RNN_MAX_BLOCKS = 20;

export interface RnnBlock {
  /** `h_t`, `c_t`, or a name of the cell's choosing (lower case letters, digits, `_`). */
  readonly id: string;
  /** One or two sources or block ids; order matters only to `sub` (first minus second). */
  readonly inputs: readonly string[];
  readonly activation: RnnActivation;
  /** Present exactly when the block has two inputs. */
  readonly combination?: RnnCombination;
}

/** A cell as listed; the order of `blocks` is free (it need not be topological). */
export interface RnnCell {
  readonly blocks: readonly RnnBlock[];
}

const BLOCK_ID = /^[a-z][a-z0-9_]{0,15}$/;

export const isLinear = (activation: RnnActivation): boolean => activation === 'linear' || activation === 'linear_bias';
export const isSource = (id: string): id is RnnSource => (RNN_SOURCES as readonly string[]).includes(id);
export const isRecurrentSource = (id: string): boolean => (RNN_RECURRENT_SOURCES as readonly string[]).includes(id);

export function blockOf(cell: RnnCell, id: string): RnnBlock | undefined {
  return cell.blocks.find((block) => block.id === id);
}

export function hasMemory(cell: RnnCell): boolean {
  return blockOf(cell, MEMORY_OUTPUT) !== undefined;
}

/** Blocks that read `id`. */
export function consumersOf(cell: RnnCell, id: string): RnnBlock[] {
  return cell.blocks.filter((block) => block.inputs.includes(id));
}

/** The values a block's inputs may name, and their width: `x_t` is the embedding, the rest hidden state. */
export type RnnWidth = 'embedding' | 'hidden';
export const widthOf = (id: string): RnnWidth => (id === 'x_t' ? 'embedding' : 'hidden');

/** Everything `from` reaches within one step (itself included), following edges input -> block. */
export function reachableFrom(cell: RnnCell, from: string): Set<string> {
  const seen = new Set([from]);
  const frontier = [from];
  for (let id = frontier.pop(); id !== undefined; id = frontier.pop()) {
    for (const consumer of consumersOf(cell, id)) {
      if (!seen.has(consumer.id)) {
        seen.add(consumer.id);
        frontier.push(consumer.id);
      }
    }
  }
  return seen;
}

/** Everything that reaches `to` within one step (itself included). */
export function reaching(cell: RnnCell, to: string): Set<string> {
  const seen = new Set([to]);
  const frontier = [to];
  for (let id = frontier.pop(); id !== undefined; id = frontier.pop()) {
    for (const input of blockOf(cell, id)?.inputs ?? []) {
      if (!seen.has(input)) {
        seen.add(input);
        frontier.push(input);
      }
    }
  }
  return seen;
}

/** The blocks in an order where each comes after its inputs, or undefined when the cell has a cycle. */
export function topologicalBlocks(cell: RnnCell): RnnBlock[] | undefined {
  const done = new Set<string>(RNN_SOURCES);
  const ordered: RnnBlock[] = [];
  let pending = [...cell.blocks];
  while (pending.length > 0) {
    const ready = pending.filter((block) => block.inputs.every((input) => done.has(input)));
    if (ready.length === 0) return undefined;
    for (const block of ready) {
      done.add(block.id);
      ordered.push(block);
    }
    pending = pending.filter((block) => !done.has(block.id));
  }
  return ordered;
}

/**
 * The blocks that influence the next hidden state: those reaching `h_t`, and those reaching `c_t` when the
 * memory itself reaches `h_t` (through `c_t-1` at the next step). Anything else is dead weight.
 */
export function liveBlocks(cell: RnnCell): Set<string> {
  const live = reaching(cell, HIDDEN_OUTPUT);
  if (hasMemory(cell) && live.has('c_t-1')) for (const id of reaching(cell, MEMORY_OUTPUT)) live.add(id);
  return live;
}

/** Whether a cell breaks a rule, and which; edits use this to skip invalid results without throwing. */
export type RnnCheck = { readonly ok: true } | { readonly ok: false; readonly rule: string; readonly message: string };

const OK: RnnCheck = { ok: true };
const broken = (rule: string, message: string): RnnCheck => ({ ok: false, rule: `rnn.${rule}`, message });

function checkBlock(block: RnnBlock, known: ReadonlySet<string>): RnnCheck {
  const { id, inputs, combination } = block;
  if (inputs.length < 1 || inputs.length > 2) return broken('inputs', `block ${id} has ${inputs.length} inputs; a block reads 1 or 2`);
  const unknown = inputs.find((input) => !known.has(input));
  if (unknown !== undefined) return broken('inputs', `block ${id} reads '${unknown}', which is neither a source (${RNN_SOURCES.join(', ')}) nor a block`);
  if (inputs.includes(id)) return broken('cycle', `block ${id} reads itself`);
  if (inputs.length === 2 && inputs[0] === inputs[1]) return broken('duplicate-input', `block ${id} reads '${inputs[0]}' twice`);
  if ((combination !== undefined) !== (inputs.length === 2)) {
    return broken('combination', `block ${id}: a combination is given exactly when a block has two inputs`);
  }
  if (inputs.includes('x_t') && !isLinear(block.activation)) {
    return broken('input-width', `block ${id} reads x_t (embedding-wide) but is ${block.activation}; only linear blocks project x_t to the hidden size`);
  }
  return OK;
}

/**
 * The rules of the space, in the order they are checked: 1..RNN_MAX_BLOCKS blocks with distinct, well-formed
 * ids; each block reads 1-2 distinct known values, with a combination exactly when it reads two; only linear
 * blocks read `x_t`; `h_t` exists; no cycle within a step; `c_t-1` is read only when `c_t` exists; `x_t`
 * reaches `h_t` (and `c_t`); no dead block (so `c_t` either reaches `h_t` within the step or through `c_t-1`).
 */
export function checkCell(cell: RnnCell): RnnCheck {
  const { blocks } = cell;
  if (blocks.length < 1 || blocks.length > RNN_MAX_BLOCKS) {
    return broken('size', `a cell has 1 to ${RNN_MAX_BLOCKS} blocks, got ${blocks.length}`);
  }
  const ids = blocks.map((block) => block.id);
  const malformed = ids.find((id) => !BLOCK_ID.test(id) || isSource(id));
  if (malformed !== undefined) {
    return broken('block-id', `'${malformed}' cannot name a block: use lower case letters, digits and _ (at most 16), not ${RNN_SOURCES.join(', ')}`);
  }
  const repeated = ids.find((id, k) => ids.indexOf(id) !== k);
  if (repeated !== undefined) return broken('block-id', `two blocks are named '${repeated}'`);
  const known = new Set<string>([...RNN_SOURCES, ...ids]);
  for (const block of blocks) {
    const checked = checkBlock(block, known);
    if (!checked.ok) return checked;
  }
  if (!ids.includes(HIDDEN_OUTPUT)) return broken('output', `a cell needs the block ${HIDDEN_OUTPUT}, the new hidden state`);
  if (topologicalBlocks(cell) === undefined) return broken('cycle', 'the blocks form a cycle within one step; only h_t-1 and c_t-1 carry values across steps');
  const memory = hasMemory(cell);
  if (!memory && consumersOf(cell, 'c_t-1').length > 0) return broken('memory', `c_t-1 is read, so the cell needs the block ${MEMORY_OUTPUT}`);
  const fromInput = reachableFrom(cell, 'x_t');
  const unreached = [HIDDEN_OUTPUT, ...(memory ? [MEMORY_OUTPUT] : [])].find((output) => !fromInput.has(output));
  if (unreached !== undefined) return broken('reachable', `x_t does not reach ${unreached}`);
  const live = liveBlocks(cell);
  const dead = ids.find((id) => !live.has(id));
  if (dead !== undefined) return broken('dead-block', `block ${dead} has no influence on ${HIDDEN_OUTPUT}, within the step or through c_t-1`);
  return OK;
}

export function fail(rule: string, message: string): never {
  throw new InvalidArchitecture(rule, message);
}

/** Throws `InvalidArchitecture` naming the violated rule. */
export function requireValidCell(cell: RnnCell): RnnCell {
  const checked = checkCell(cell);
  if (!checked.ok) fail(checked.rule, checked.message);
  return cell;
}

/** A block as plain data, with `combination` only when there is one (so equal cells are deep-equal). */
export function makeBlock(id: string, inputs: readonly string[], activation: RnnActivation, combination?: RnnCombination): RnnBlock {
  return combination === undefined ? { id, inputs: [...inputs], activation } : { id, inputs: [...inputs], activation, combination };
}

export function copyCell(cell: RnnCell): RnnCell {
  return { blocks: cell.blocks.map((b) => makeBlock(b.id, b.inputs, b.activation, b.combination)) };
}

// ------------------------------------------------------------------------------------------ forms

/** `id=activation(input)` or `id=activation:combination(first,second)`, blocks joined by `;`. */
export function formatCell(cell: RnnCell): string {
  return cell.blocks
    .map(({ id, inputs, activation, combination }) => `${id}=${activation}${combination ? `:${combination}` : ''}(${inputs.join(',')})`)
    .join(';');
}

const BLOCK_FORM = /^([^=]+)=([a-z_]+)(?::([a-z]+))?\(([^()]*)\)$/;

function parseActivation(id: string, value: string): RnnActivation {
  if (!(RNN_ACTIVATIONS as readonly string[]).includes(value)) {
    fail('rnn.activation', `block ${id}: unknown activation '${value}' (one of ${RNN_ACTIVATIONS.join(', ')})`);
  }
  return value as RnnActivation;
}

function parseCombination(id: string, value: string | undefined): RnnCombination | undefined {
  if (value !== undefined && !(RNN_COMBINATIONS as readonly string[]).includes(value)) {
    fail('rnn.combination', `block ${id}: unknown combination '${value}' (one of ${RNN_COMBINATIONS.join(', ')})`);
  }
  return value as RnnCombination | undefined;
}

export function parseCellString(text: string): RnnCell {
  const blocks = text.split(';').map((part) => {
    const match = BLOCK_FORM.exec(part.trim());
    if (!match) fail('rnn.format', `expected blocks like 'z=linear_bias:add(x_t,h_t-1);h_t=tanh(z)', got '${part}'`);
    const [, id = '', activation = '', combination, inputs = ''] = match;
    return makeBlock(id, inputs === '' ? [] : inputs.split(','), parseActivation(id, activation), parseCombination(id, combination));
  });
  return requireValidCell({ blocks });
}

const BlockSchema = z.strictObject({
  id: z.string(),
  inputs: z.array(z.string()),
  activation: z.enum(RNN_ACTIVATIONS),
  combination: z.enum(RNN_COMBINATIONS).optional(),
});
const CellSchema = z.strictObject({ blocks: z.array(BlockSchema) });

export function parseCellJson(value: unknown): RnnCell {
  const result = CellSchema.safeParse(value);
  if (!result.success) {
    const [first] = issueFields(result.error);
    const rule = first!.field.endsWith('activation') ? 'rnn.activation' : first!.field.endsWith('combination') ? 'rnn.combination' : 'rnn.type';
    fail(rule, `${first!.field || 'architecture'}: ${first!.message}`);
  }
  return requireValidCell(copyCell(result.data));
}

// ------------------------------------------------------------------------------------- parameters

/** One trainable tensor of a cell: a linear block's matrix for one input, or its bias. */
export interface RnnParameter {
  /** `block/w_input` or `block/bias`; also the weight's name in the TensorFlow.js layer. */
  readonly key: string;
  readonly block: string;
  /** The input a matrix multiplies; absent for a bias. */
  readonly input?: string;
  /** A matrix is `[width of input, hidden]`; a bias is `[hidden]`. */
  readonly rows?: RnnWidth;
}

export const matrixKey = (block: string, input: string): string => `${block}/w_${input}`;
export const biasKey = (block: string): string => `${block}/bias`;

/** The cell's trainable tensors, block by block in list order. */
export function rnnCellParameters(cell: RnnCell): RnnParameter[] {
  return cell.blocks.flatMap((block) => {
    if (!isLinear(block.activation)) return [];
    const matrices = block.inputs.map((input) => ({ key: matrixKey(block.id, input), block: block.id, input, rows: widthOf(input) }));
    return block.activation === 'linear_bias' ? [...matrices, { key: biasKey(block.id), block: block.id }] : matrices;
  });
}
