import { describe, expect, it } from 'vitest';
import { correctNearTheBest, fitResidualCorrection } from '../../src/predictors/residual-correction.js';
import { Rng } from '../../src/random/rng.js';
import { nb201Space } from '../../src/spaces/nb201.js';

const A = [1, 0, 0, 1, 0, 0];
const B = [0, 1, 0, 1, 0, 0]; // 2 bits from A
const FAR = [0, 0, 1, 0, 1, 1]; // 6 bits from A, 6 from B

describe('fitResidualCorrection', () => {
  it('is the posterior mean of a Gaussian process with the Hamming-Laplacian kernel around the residuals mean', () => {
    const lengthScale = 2;
    const noise = 0.1;
    const correct = fitResidualCorrection({ encodings: [A, B], residuals: [0.3, -0.1], lengthScale, noise });
    // Two points: solve [[1 + n, k], [k, 1 + n]] w = r - mean by hand.
    const k = Math.exp(-2 / lengthScale);
    const mean = 0.1;
    const [ra, rb] = [0.2, -0.2];
    const det = (1 + noise) ** 2 - k * k;
    const wa = ((1 + noise) * ra - k * rb) / det;
    const wb = ((1 + noise) * rb - k * ra) / det;
    expect(correct(A)).toBeCloseTo(mean + wa + k * wb, 10);
    const halfway = [1, 1, 0, 1, 0, 0]; // 1 bit from each
    expect(correct(halfway)).toBeCloseTo(mean + Math.exp(-1 / lengthScale) * (wa + wb), 10);
  });

  it('nearly reproduces each residual when the noise is small, and tends to their mean far from all of them', () => {
    const correct = fitResidualCorrection({ encodings: [A, B], residuals: [0.3, -0.1], lengthScale: 1, noise: 1e-6 });
    expect(correct(A)).toBeCloseTo(0.3, 4);
    expect(correct(B)).toBeCloseTo(-0.1, 4);
    const far = fitResidualCorrection({ encodings: [A, B], residuals: [0.3, -0.1], lengthScale: 0.1, noise: 0.1 });
    expect(far(FAR)).toBeCloseTo(0.1, 10);
  });

  it('corrects nothing without residuals, and refuses encodings and residuals of different lengths', () => {
    expect(fitResidualCorrection({ encodings: [], residuals: [], lengthScale: 8, noise: 0.1 })(A)).toBe(0);
    expect(() => fitResidualCorrection({ encodings: [A, B], residuals: [0.3], lengthScale: 8, noise: 0.1 })).toThrow(/2 encodings but 1 residuals/);
  });
});

describe('correctNearTheBest', () => {
  const rng = Rng.fromSeed(3);
  const cells = Array.from({ length: 4 }, () => nb201Space.sample(rng));
  /** A predictor that predicts 90 for everything: the residuals are the scores minus 90. */
  const flat = { predict: (archs: readonly unknown[]) => archs.map(() => ({ mean: 90, std: 0 })) };
  const options = { top: 3, lengthScale: 1, noise: 1e-6 };

  it('fits the errors on the `top` best answers only, over the space encoding', () => {
    const answers = cells.map((arch, i) => ({ arch, score: 94 - i }));
    const correct = correctNearTheBest(nb201Space, answers, flat, options);
    expect(correct(cells[0]!)).toBeCloseTo(4, 3);
    expect(correct(cells[2]!)).toBeCloseTo(2, 3);
    // The fourth best is not among the `top` 3: however it did, nothing changes.
    const worse = correctNearTheBest(nb201Space, answers.map((a, i) => (i === 3 ? { ...a, score: 10 } : a)), flat, options);
    expect(worse(cells[3]!)).toBe(correct(cells[3]!));
  });
});
