/**
 * Rank correlations for judging performance predictors, as in White et al., "How Powerful are
 * Performance Predictors in Neural Architecture Search?" (NeurIPS 2021): what matters to a search is
 * whether the predictor orders architectures correctly, not its absolute error.
 *
 * Both are tie-aware (NB201 has many architectures with equal accuracy) and return NaN where the
 * correlation is undefined: fewer than two pairs, or one side constant.
 */

function checkPaired(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new RangeError(`rank correlation needs paired samples, got ${a.length} and ${b.length} values`);
}

/** Ranks starting at 1, ties sharing the mean of the ranks they span (e.g. [10, 20, 20] -> [1, 2.5, 2.5]). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]!] === values[order[start]!]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]!] = rank;
    start = end + 1;
  }
  return ranks;
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const meanA = a.reduce((sum, v) => sum + v, 0) / n;
  const meanB = b.reduce((sum, v) => sum + v, 0) / n;
  let covariance = 0;
  let varianceA = 0;
  let varianceB = 0;
  for (let i = 0; i < n; i++) {
    covariance += (a[i]! - meanA) * (b[i]! - meanB);
    varianceA += (a[i]! - meanA) ** 2;
    varianceB += (b[i]! - meanB) ** 2;
  }
  return covariance / Math.sqrt(varianceA * varianceB);
}

/** Spearman's rho: the Pearson correlation of the average ranks. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  checkPaired(a, b);
  return a.length < 2 ? Number.NaN : pearson(averageRanks(a), averageRanks(b));
}

/**
 * Kendall's tau-b: (concordant - discordant) / sqrt((pairs - ties in a) * (pairs - ties in b)).
 * O(n^2) pair counting: 1,000 held-out architectures take a few milliseconds, below any training time.
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  checkPaired(a, b);
  let score = 0;
  let untiedA = 0;
  let untiedB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const signA = Math.sign(a[i]! - a[j]!);
      const signB = Math.sign(b[i]! - b[j]!);
      score += signA * signB;
      untiedA += Math.abs(signA);
      untiedB += Math.abs(signB);
    }
  }
  return untiedA === 0 || untiedB === 0 ? Number.NaN : score / Math.sqrt(untiedA * untiedB);
}
