/** A column's standardisation: subtract `mean`, divide by `std` (never 0). */
export interface Scale {
  readonly mean: number;
  readonly std: number;
}

export function scaleOf(values: readonly number[]): Scale {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
  return { mean, std: std > 0 ? std : 1 };
}

/** Each value of `row` standardised by the scale of its column. */
export const standardised = (row: readonly number[], scales: readonly Scale[]) => row.map((v, k) => (v - scales[k]!.mean) / scales[k]!.std);
