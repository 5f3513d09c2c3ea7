import {
  HIDDEN_OUTPUT,
  MEMORY_OUTPUT,
  RNN_MAX_BLOCKS,
  blockOf,
  biasKey,
  checkCell,
  fail,
  isLinear,
  isRecurrentSource,
  liveBlocks,
  makeBlock,
  matrixKey,
  rnnCellParameters,
  type RnnActivation,
  type RnnBlock,
  type RnnCell,
  type RnnCombination,
} from './rnn-cell.js';

/**
 * The seven network morphisms of MOE/RNAS (Booysen & Bosman 2024) on block cells: three constructive (add
 * unit, add connection, add recurrent connection), two destructive (remove unit, remove connection) and two
 * changes (activation, combination). Each is a pure function returning the child, what happened (for a
 * trial's lineage) and how every parameter of the child starts from the parent's (for weight inheritance).
 *
 * Block ids are stable: a block that survives keeps its id, so the parent -> child block mapping is the
 * identity on surviving ids, and new blocks get fresh ids (`b1`, `b2`, ...). The constructive morphisms
 * are exact network morphisms (the child computes what the parent computed); so are a few changes
 * (`functionPreserving` says which); the rest are the paper's approximate morphisms: every surviving
 * weight is kept and training continues from there.
 */
export type RnnMorphism =
  /** Splice a new linear block into the connection `block.inputs[input] -> block`. */
  | { readonly kind: 'add-unit'; readonly block: string; readonly input: number }
  /** Give `to` (a one-input block) the second input `from` (`x_t` or a block), combined by `add`. */
  | { readonly kind: 'add-connection'; readonly from: string; readonly to: string }
  /** The same from the previous step's `h_t-1` or `c_t-1`. */
  | { readonly kind: 'add-recurrent-connection'; readonly from: string; readonly to: string }
  /** Delete a one-input block (not `h_t`/`c_t`); its readers read its input instead. */
  | { readonly kind: 'remove-unit'; readonly block: string }
  /** Drop input `input` of a two-input block; blocks left without influence are deleted with it. */
  | { readonly kind: 'remove-connection'; readonly block: string; readonly input: number }
  | { readonly kind: 'change-activation'; readonly block: string; readonly activation: RnnActivation }
  | { readonly kind: 'change-combination'; readonly block: string; readonly combination: RnnCombination };

/** How one parameter of the child starts. */
export type RnnWeightSource =
  /** The parent's parameter `from`, negated where a `sub` became an `add` or back. */
  | { readonly kind: 'copy'; readonly from: string; readonly negate?: boolean }
  /** The matrix product `first · second` of two parent matrices: a removed linear unit folded into its reader. */
  | { readonly kind: 'product'; readonly first: string; readonly second: string }
  /** Zeros: a new connection or bias that must not change the output yet. */
  | { readonly kind: 'zeros' }
  /** The identity matrix: a new linear unit that passes its input through. */
  | { readonly kind: 'identity' };

/** What a morphism did, recorded with the child trial. */
export type RnnChange = RnnMorphism & {
  readonly addedBlocks: readonly string[];
  readonly removedBlocks: readonly string[];
  /** The child computes exactly what the parent computed, given `inheritance`. */
  readonly functionPreserving: boolean;
};

export interface RnnMorphismResult {
  readonly child: RnnCell;
  readonly change: RnnChange;
  /** For every parameter of the child (see `rnnCellParameters`), by key, where it starts from. */
  readonly inheritance: Readonly<Record<string, RnnWeightSource>>;
}

type Overrides = Record<string, RnnWeightSource>;

function requireBlock(cell: RnnCell, id: string): RnnBlock {
  return blockOf(cell, id) ?? fail('rnn.morphism', `the cell has no block '${id}'`);
}

function freshId(cell: RnnCell): string {
  for (let k = 1; ; k++) if (!blockOf(cell, `b${k}`)) return `b${k}`;
}

function requireRoom(cell: RnnCell): void {
  if (cell.blocks.length >= RNN_MAX_BLOCKS) fail('rnn.size', `the cell already has the most blocks allowed, ${RNN_MAX_BLOCKS}`);
}

/** The cell with block `id` rebuilt by `edit`, and `inserted` (if any) placed just before it. */
function editBlock(cell: RnnCell, id: string, edit: (block: RnnBlock) => RnnBlock, inserted?: RnnBlock): RnnCell {
  return { blocks: cell.blocks.flatMap((block) => (block.id === id ? [...(inserted ? [inserted] : []), edit(block)] : [block])) };
}

const copyOf = (key: string): RnnWeightSource => ({ kind: 'copy', from: key });

/**
 * Checks the child (throwing `InvalidArchitecture` with the violated rule) and completes the plan: a
 * parameter the morphism did not set is copied from the parent's parameter of the same key, which exists
 * because the same block reads the same input.
 */
function finish(parent: RnnCell, child: RnnCell, morphism: RnnMorphism, overrides: Overrides, functionPreserving: boolean): RnnMorphismResult {
  const checked = checkCell(child);
  if (!checked.ok) fail(checked.rule, `${morphism.kind}: ${checked.message}`);
  const parentKeys = new Set(rnnCellParameters(parent).map((p) => p.key));
  const inheritance: Overrides = {};
  for (const { key } of rnnCellParameters(child)) {
    const source = overrides[key] ?? (parentKeys.has(key) ? copyOf(key) : undefined);
    // Every morphism plans each parameter it creates; a gap here is a bug in this file, not a bad input.
    if (source === undefined) throw new Error(`${morphism.kind} left the new parameter ${key} unplanned`);
    inheritance[key] = source;
  }
  const parentIds = parent.blocks.map((b) => b.id);
  const childIds = child.blocks.map((b) => b.id);
  const change = {
    ...morphism,
    addedBlocks: childIds.filter((id) => !parentIds.includes(id)),
    removedBlocks: parentIds.filter((id) => !childIds.includes(id)),
    functionPreserving,
  };
  return { child, change, inheritance };
}

/**
 * Add unit: `u -> v` becomes `u -> w -> v` for a new linear block `w`. Function-preserving: `w` takes over
 * the matrix `v` applied to `u` (or is the identity when `v` applies none) and `v` applies the identity to `w`.
 */
export function addUnit(cell: RnnCell, block: string, input: number): RnnMorphismResult {
  const v = requireBlock(cell, block);
  const u = v.inputs[input] ?? fail('rnn.morphism', `block ${block} has no input ${input}`);
  requireRoom(cell);
  const w = freshId(cell);
  const child = editBlock(
    cell,
    block,
    (b) => makeBlock(b.id, b.inputs.map((x, k) => (k === input ? w : x)), b.activation, b.combination),
    makeBlock(w, [u], 'linear'),
  );
  const overrides: Overrides = isLinear(v.activation)
    ? { [matrixKey(w, u)]: copyOf(matrixKey(block, u)), [matrixKey(block, w)]: { kind: 'identity' } }
    : { [matrixKey(w, u)]: { kind: 'identity' } };
  return finish(cell, child, { kind: 'add-unit', block, input }, overrides, true);
}

/**
 * A new second input for a one-input block, combined by `add` with a zero contribution: a linear block gets
 * a zero matrix for it; any other block reads it through a new linear block with a zero matrix (the only
 * way to add nothing through a block without weights).
 */
function connect(cell: RnnCell, morphism: RnnMorphism & { from: string; to: string }): RnnMorphismResult {
  const { from, to } = morphism;
  const v = requireBlock(cell, to);
  if (v.inputs.length !== 1) fail('rnn.morphism', `block ${to} already reads two values`);
  if (v.inputs[0] === from) fail('rnn.duplicate-input', `block ${to} already reads ${from}`);
  if (isLinear(v.activation)) {
    const child = editBlock(cell, to, (b) => makeBlock(b.id, [...b.inputs, from], b.activation, 'add'));
    return finish(cell, child, morphism, { [matrixKey(to, from)]: { kind: 'zeros' } }, true);
  }
  requireRoom(cell);
  const projection = freshId(cell);
  const child = editBlock(
    cell,
    to,
    (b) => makeBlock(b.id, [...b.inputs, projection], b.activation, 'add'),
    makeBlock(projection, [from], 'linear'),
  );
  return finish(cell, child, morphism, { [matrixKey(projection, from)]: { kind: 'zeros' } }, true);
}

/** Add connection within a step, from `x_t` or a block; `InvalidArchitecture` (`rnn.cycle`) if it closes a loop. */
export function addConnection(cell: RnnCell, from: string, to: string): RnnMorphismResult {
  if (isRecurrentSource(from)) fail('rnn.morphism', `${from} is a recurrent input: use add-recurrent-connection`);
  return connect(cell, { kind: 'add-connection', from, to });
}

/** Add recurrent connection from `h_t-1`, or from `c_t-1` in a cell with memory. */
export function addRecurrentConnection(cell: RnnCell, from: string, to: string): RnnMorphismResult {
  if (!isRecurrentSource(from)) fail('rnn.morphism', `recurrent connections come from h_t-1 or c_t-1, not ${from}`);
  return connect(cell, { kind: 'add-recurrent-connection', from, to });
}

/**
 * Remove unit `w` (one input `u`): readers of `w` read `u`. A linear reader's matrix for `u` is its matrix
 * for `w` times `w`'s own when `w` was linear (exact for `linear`, the bias of `linear_bias` is lost), or
 * its matrix for `w` unchanged otherwise (exact for `identity`).
 */
export function removeUnit(cell: RnnCell, block: string): RnnMorphismResult {
  const w = requireBlock(cell, block);
  if (block === HIDDEN_OUTPUT || block === MEMORY_OUTPUT) fail('rnn.morphism', `${block} is reserved and cannot be removed`);
  const u = w.inputs[0]!;
  if (w.inputs.length !== 1) fail('rnn.morphism', `block ${block} reads two values; remove one of its connections first`);
  const readers = cell.blocks.filter((b) => b.inputs.includes(block));
  const overrides: Overrides = {};
  for (const reader of readers.filter((b) => isLinear(b.activation))) {
    overrides[matrixKey(reader.id, u)] = isLinear(w.activation)
      ? { kind: 'product', first: matrixKey(block, u), second: matrixKey(reader.id, block) }
      : copyOf(matrixKey(reader.id, block));
  }
  const child = {
    blocks: cell.blocks
      .filter((b) => b.id !== block)
      .map((b) => makeBlock(b.id, b.inputs.map((x) => (x === block ? u : x)), b.activation, b.combination)),
  };
  const exact = w.activation === 'identity' || (w.activation === 'linear' && readers.every((b) => isLinear(b.activation)));
  return finish(cell, child, { kind: 'remove-unit', block }, overrides, exact);
}

/** Remove connection: a two-input block keeps only its other input; blocks that no longer matter go too. */
export function removeConnection(cell: RnnCell, block: string, input: number): RnnMorphismResult {
  const v = requireBlock(cell, block);
  if (v.inputs.length !== 2 || v.inputs[input] === undefined) fail('rnn.morphism', `block ${block} has no second input to drop at ${input}`);
  const rewired = editBlock(cell, block, (b) => makeBlock(b.id, b.inputs.filter((_, k) => k !== input), b.activation));
  const live = liveBlocks(rewired);
  const child = { blocks: rewired.blocks.filter((b) => live.has(b.id)) };
  return finish(cell, child, { kind: 'remove-connection', block, input }, {}, false);
}

/**
 * Change activation. Exact only from `identity` to a linear block (identity matrices) and from `linear` to
 * `linear_bias` (zero bias); otherwise the block's matrices are kept where it stays linear and made identity
 * where it becomes linear.
 */
export function changeActivation(cell: RnnCell, block: string, activation: RnnActivation): RnnMorphismResult {
  const v = requireBlock(cell, block);
  if (v.activation === activation) fail('rnn.morphism', `block ${block} is already ${activation}`);
  const child = editBlock(cell, block, (b) => makeBlock(b.id, b.inputs, activation, b.combination));
  const overrides: Overrides = {};
  if (isLinear(activation) && !isLinear(v.activation)) {
    for (const input of v.inputs) overrides[matrixKey(block, input)] = { kind: 'identity' };
  }
  if (activation === 'linear_bias' && v.activation !== 'linear_bias') overrides[biasKey(block)] = { kind: 'zeros' };
  const exact = (v.activation === 'identity' && isLinear(activation)) || (v.activation === 'linear' && activation === 'linear_bias');
  return finish(cell, child, { kind: 'change-activation', block, activation }, overrides, exact);
}

/**
 * Change combination. Exact between `add` and `sub` in a linear block, whose second matrix is negated
 * (`a W1 - b W2 = a W1 + b (-W2)`); otherwise every weight is kept.
 */
export function changeCombination(cell: RnnCell, block: string, combination: RnnCombination): RnnMorphismResult {
  const v = requireBlock(cell, block);
  if (v.combination === undefined) fail('rnn.morphism', `block ${block} reads one value and has no combination`);
  if (v.combination === combination) fail('rnn.morphism', `block ${block} already combines by ${combination}`);
  const child = editBlock(cell, block, (b) => makeBlock(b.id, b.inputs, b.activation, combination));
  const signFlip = isLinear(v.activation) && v.combination !== 'mul' && combination !== 'mul';
  const second = matrixKey(block, v.inputs[1]!);
  const overrides: Overrides = signFlip ? { [second]: { kind: 'copy', from: second, negate: true } } : {};
  return finish(cell, child, { kind: 'change-combination', block, combination }, overrides, signFlip);
}

/** Applies any morphism; throws `InvalidArchitecture` naming the rule when it does not apply to `cell`. */
export function applyMorphism(cell: RnnCell, morphism: RnnMorphism): RnnMorphismResult {
  switch (morphism.kind) {
    case 'add-unit':
      return addUnit(cell, morphism.block, morphism.input);
    case 'add-connection':
      return addConnection(cell, morphism.from, morphism.to);
    case 'add-recurrent-connection':
      return addRecurrentConnection(cell, morphism.from, morphism.to);
    case 'remove-unit':
      return removeUnit(cell, morphism.block);
    case 'remove-connection':
      return removeConnection(cell, morphism.block, morphism.input);
    case 'change-activation':
      return changeActivation(cell, morphism.block, morphism.activation);
    case 'change-combination':
      return changeCombination(cell, morphism.block, morphism.combination);
  }
}
