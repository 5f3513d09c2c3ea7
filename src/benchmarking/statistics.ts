/** Mean and the half-width of its 95% confidence interval (normal approximation, n >= 30 in our runs). */
export interface MeanWithCi {
  readonly mean: number;
  readonly ci95: number;
  readonly n: number;
}

export function meanWithCi(values: readonly number[]): MeanWithCi {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, ci95: Number.NaN, n };
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  if (n === 1) return { mean, ci95: Number.NaN, n };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1);
  return { mean, ci95: (1.96 * Math.sqrt(variance)) / Math.sqrt(n), n };
}

/** Nearest-rank percentile (`p` in 0-100) of ascending `sorted` values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
