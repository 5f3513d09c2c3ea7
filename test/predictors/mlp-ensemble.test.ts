import { describe, expect, it } from 'vitest';
import { fitEnsemble, MemberBackprop, MlpEnsemble, parameterShapes, type EnsembleShape, type MemberParameters } from '../../src/predictors/mlp-ensemble.js';
import { Rng } from '../../src/random/rng.js';
import { nb201Space } from '../../src/spaces/nb201.js';

const SHAPE = { members: 4, inputSize: nb201Space.encodingLength('path'), hiddenLayers: [32, 16] };
const SCHEDULE = { epochs: 3, learningRate: 0.01, batchSize: 16 };

/** Encoded NB201 cells (sparse path encodings) and dense random rows, so both input kinds are covered. */
function inputs(rng: Rng, count: number, inputSize = SHAPE.inputSize): number[][] {
  const cells = inputSize === SHAPE.inputSize ? Array.from({ length: count }, () => nb201Space.encode(nb201Space.sample(rng), 'path')) : [];
  const dense = Array.from({ length: count }, () => Array.from({ length: inputSize }, () => 2 * rng.float() - 1));
  return [...cells, ...dense];
}

const sumOf = (row: readonly number[]) => row.reduce((sum, v) => sum + v, 0);
const flat = (rows: readonly (readonly number[])[]) => Float32Array.from(rows.flat());

/** Member `m`'s parameters, cut out of the stacked arrays, in float64. */
function memberParameters(shape: EnsembleShape, stacked: readonly Float32Array[], m: number): MemberParameters {
  return parameterShapes(shape).map(([, fanIn, out], k) => Float64Array.from(stacked[k]!.subarray(m * fanIn! * out!, (m + 1) * fanIn! * out!)));
}

/** The textbook forward pass of one member for one row: what `predict` and the fit must both compute. */
function referenceOutput(parameters: MemberParameters, row: readonly number[]): number {
  let activations = [...row];
  const layers = parameters.length / 2;
  for (let l = 0; l < layers; l++) {
    const [weights, biases] = [parameters[2 * l]!, parameters[2 * l + 1]!];
    const next = Array.from(biases);
    for (let o = 0; o < next.length; o++) for (let i = 0; i < activations.length; i++) next[o]! += activations[i]! * weights[i * next.length + o]!;
    activations = l + 1 < layers ? next.map((v) => Math.max(0, v)) : next;
  }
  return activations[0]!;
}

/** The largest difference between `actual` and `expected`, relative to the largest magnitude in `expected`. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  const scale = Math.max(...Array.from(expected, Math.abs));
  return Math.max(...Array.from(actual, (value, i) => Math.abs(value - expected[i]!))) / scale;
}

/** Every member's output for every row, member-major, by `referenceOutput`. */
function referenceOutputs(ensemble: MlpEnsemble, rows: number[][]): number[] {
  const values = ensemble.parameterValues();
  return Array.from({ length: ensemble.shape.members }, (_, m) => memberParameters(ensemble.shape, values, m)).flatMap((member) =>
    rows.map((row) => referenceOutput(member, row)),
  );
}

describe('MlpEnsemble.predict', () => {
  it('computes the textbook forward pass of every member, before and after training', () => {
    const rng = Rng.fromSeed(3);
    const ensemble = MlpEnsemble.initialise(SHAPE, rng);
    const rows = inputs(rng, 50);
    expect(relativeError(ensemble.predict(rows), referenceOutputs(ensemble, rows))).toBeLessThan(1e-6);

    const before = ensemble.predict(rows);
    ensemble.fit(rows, rows.map(sumOf), SCHEDULE, rng);
    const after = ensemble.predict(rows);
    // It answers with the trained weights, not a copy of the initial ones.
    expect(relativeError(after, before)).toBeGreaterThan(1e-2);
    expect(relativeError(after, referenceOutputs(ensemble, rows))).toBeLessThan(1e-6);
  });

  it('answers nothing for no rows', () => {
    expect(MlpEnsemble.initialise(SHAPE, Rng.fromSeed(4)).predict([])).toHaveLength(0);
  });
});

describe('the hand-written backpropagation (MemberBackprop)', () => {
  const TINY: EnsembleShape = { members: 1, inputSize: 5, hiddenLayers: [6, 4] };
  const sizes = [TINY.inputSize, ...TINY.hiddenLayers, 1];

  /** A tiny member and a batch: dense inputs with some exact zeros (the skipped case), and targets. */
  function problem(seed: number) {
    const rng = Rng.fromSeed(seed);
    const parameters = memberParameters(TINY, MlpEnsemble.initialise(TINY, rng).parameterValues(), 0);
    // Non-zero biases, so that the bias gradients are tested away from the initial point too.
    parameters.forEach((values, k) => k % 2 === 1 && values.forEach((_, i) => (values[i] = 0.3 * (rng.float() - 0.5))));
    // Float32 values, as a fit's inputs are, so that the reference below sees the same numbers.
    const rows = inputs(rng, 7, TINY.inputSize).map((row, r) => row.map((v, i) => ((r + i) % 4 === 0 ? 0 : Math.fround(v))));
    const targets = Float32Array.from(rows, (row) => sumOf(row) + 0.5);
    return { parameters, rows, inputs: flat(rows), targets, batch: [6, 0, 3, 2, 5] };
  }

  const lossOf = (parameters: MemberParameters, p: ReturnType<typeof problem>) =>
    p.batch.reduce((sum, r) => sum + Math.abs(referenceOutput(parameters, p.rows[r]!) - p.targets[r]!), 0) / p.batch.length;

  it.each([1, 2, 3])('gives the gradient that central differences of the loss give (seed %i)', (seed) => {
    const p = problem(seed);
    const gradients = p.parameters.map((values) => new Float64Array(values.length).fill(Number.NaN));
    const loss = new MemberBackprop(sizes, 8).lossAndGradients(p.parameters, p.inputs, p.targets, p.batch, gradients);
    expect(loss).toBeCloseTo(lossOf(p.parameters, p), 12);

    const h = 1e-6;
    let checked = 0;
    p.parameters.forEach((values, k) => {
      for (let i = 0; i < values.length; i++) {
        const original = values[i]!;
        values[i] = original + h;
        const up = lossOf(p.parameters, p);
        values[i] = original - h;
        const down = lossOf(p.parameters, p);
        values[i] = original;
        const numerical = (up - down) / (2 * h);
        // The loss is piecewise linear in each parameter: away from its kinks, the differences are exact up to rounding.
        expect(Math.abs(gradients[k]![i]! - numerical), `parameter ${k}[${i}]`).toBeLessThan(1e-7 * Math.max(1, Math.abs(numerical)));
        checked++;
      }
    });
    expect(checked).toBe(5 * 6 + 6 + 6 * 4 + 4 + 4 * 1 + 1);
    // Not a vacuous check: most of the gradient is non-zero.
    expect(gradients.flatMap((g) => Array.from(g)).filter((g) => g !== 0).length).toBeGreaterThan(checked / 2);
  });

  it('takes one Adam step of size learningRate against the gradient on a first step', () => {
    const p = problem(4);
    const ensemble = MlpEnsemble.fromParameters(TINY, parameterShapes(TINY).map((_, k) => Float32Array.from(p.parameters[k]!)));
    const start = memberParameters(TINY, ensemble.parameterValues(), 0);
    const gradients = start.map((values) => new Float64Array(values.length));
    // One epoch of one batch holding every row: one step, on the gradient of the whole set (order does not matter).
    const all = p.rows.map((_, r) => r);
    new MemberBackprop(sizes, all.length).lossAndGradients(start, p.inputs, p.targets, all, gradients);
    ensemble.fit(p.inputs, p.targets, { epochs: 1, learningRate: 0.01, batchSize: all.length }, Rng.fromSeed(0));
    const after = memberParameters(TINY, ensemble.parameterValues(), 0);
    after.forEach((values, k) =>
      values.forEach((value, i) => {
        const g = gradients[k]![i]!;
        // Adam's first step: m̂ = g, v̂ = g², so the step is lr · g / (|g| + ε).
        expect(value).toBeCloseTo(start[k]![i]! - (0.01 * g) / (Math.abs(g) + 1e-7), 6);
      }),
    );
  });
});

describe('MlpEnsemble.fit', () => {
  const rng = Rng.fromSeed(7);
  const rows = inputs(rng, 40);
  const targets = Float32Array.from(rows, sumOf);
  const job = (initial: Float32Array[], seed = 8) => ({
    shape: SHAPE,
    parameters: initial,
    inputs: flat(rows),
    targets,
    schedule: SCHEDULE,
    rngState: Rng.fromSeed(seed).state(),
  });
  const initial = MlpEnsemble.initialise(SHAPE, Rng.fromSeed(9)).parameterValues();
  const meanAbsoluteError = (ensemble: MlpEnsemble) => {
    const outputs = ensemble.predict(rows);
    let sum = 0;
    for (let m = 0; m < SHAPE.members; m++) for (let r = 0; r < rows.length; r++) sum += Math.abs(outputs[m * rows.length + r]! - targets[r]!);
    return sum / outputs.length;
  };

  it('lowers every member’s training error', () => {
    const ensemble = MlpEnsemble.fromParameters(SHAPE, initial);
    const before = meanAbsoluteError(ensemble);
    ensemble.fit(flat(rows), targets, { ...SCHEDULE, epochs: 20 }, Rng.fromSeed(8));
    expect(meanAbsoluteError(ensemble)).toBeLessThan(before / 2);
  });

  it('is deterministic, fitEnsemble gives what fit gives, and rows of numbers train as their float32 array', () => {
    const [a, b] = [fitEnsemble(job(initial)), fitEnsemble(job(initial))];
    expect(a).toEqual(b);
    const ensemble = MlpEnsemble.fromParameters(SHAPE, initial);
    const generator = Rng.fromSeed(8);
    ensemble.fit(rows, Array.from(targets), SCHEDULE, generator);
    expect(ensemble.parameterValues()).toEqual(a.parameters);
    expect(generator.state()).toEqual(a.rngState);
    expect(fitEnsemble(job(initial, 9)).parameters).not.toEqual(a.parameters);
  });

  it('trains the members independently: changing one member leaves the others’ results as they were', () => {
    const fitted = fitEnsemble(job(initial)).parameters;
    const changed = initial.map((values) => values.slice());
    const shapes = parameterShapes(SHAPE);
    // Member 1's first-layer weights, re-drawn.
    const size = shapes[0]![1]! * shapes[0]![2]!;
    for (let i = size; i < 2 * size; i++) changed[0]![i] = -changed[0]![i]!;
    const refitted = fitEnsemble(job(changed)).parameters;
    for (let m = 0; m < SHAPE.members; m++) {
      const same = JSON.stringify(Array.from(memberParameters(SHAPE, refitted, m), (v) => Array.from(v))) === JSON.stringify(Array.from(memberParameters(SHAPE, fitted, m), (v) => Array.from(v)));
      expect(same, `member ${m}`).toBe(m !== 1);
    }
  });

  it('leaves the parameters as they were when abandoned, and never changes the job’s arrays', () => {
    const ensemble = MlpEnsemble.fromParameters(SHAPE, initial);
    const before = ensemble.parameterValues();
    let steps = 0;
    expect(() => ensemble.fit(rows, Array.from(targets), SCHEDULE, Rng.fromSeed(8), () => ++steps > 3)).toThrow(/abandoned/);
    expect(ensemble.parameterValues()).toEqual(before);
    const given = job(initial.map((values) => values.slice()));
    fitEnsemble(given);
    expect(given.parameters).toEqual(initial);
  });
});
