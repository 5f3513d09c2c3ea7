/**
 * Pareto machinery over objective vectors oriented so that LARGER IS BETTER in every coordinate (callers
 * negate minimised objectives first). Used by NSGA-II (Deb et al., "A Fast and Elitist Multiobjective
 * Genetic Algorithm: NSGA-II", IEEE TEC 2002) and by the `/pareto` endpoint.
 */
export type ObjectiveVector = readonly number[];

/** `a` dominates `b`: at least as good everywhere and strictly better somewhere. */
export function dominates(a: ObjectiveVector, b: ObjectiveVector): boolean {
  let strictly = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return false;
    if (a[i]! > b[i]!) strictly = true;
  }
  return strictly;
}

/** Fast non-dominated sort (Deb et al. 2002): indices of `points` grouped into fronts, best front first. */
export function nonDominatedSort(points: readonly ObjectiveVector[]): number[][] {
  const dominatedBy = points.map(() => 0);
  const dominatesList: number[][] = points.map(() => []);
  for (let p = 0; p < points.length; p++) {
    for (let q = p + 1; q < points.length; q++) {
      if (dominates(points[p]!, points[q]!)) {
        dominatesList[p]!.push(q);
        dominatedBy[q]!++;
      } else if (dominates(points[q]!, points[p]!)) {
        dominatesList[q]!.push(p);
        dominatedBy[p]!++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = points.flatMap((_, i) => (dominatedBy[i] === 0 ? [i] : []));
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const p of current) {
      for (const q of dominatesList[p]!) if (--dominatedBy[q]! === 0) next.push(q);
    }
    current = next;
  }
  return fronts;
}

/**
 * Crowding distance of each member of one front (same order as `front`): larger means less crowded, and
 * NSGA-II prefers it. Boundary points get Infinity so the extremes of the front always survive.
 */
export function crowdingDistance(points: readonly ObjectiveVector[], front: readonly number[]): number[] {
  const distance = new Map(front.map((i) => [i, 0]));
  const dimensions = points[front[0]!]?.length ?? 0;
  for (let m = 0; m < dimensions; m++) {
    const sorted = [...front].sort((a, b) => points[a]![m]! - points[b]![m]!);
    const low = points[sorted[0]!]![m]!;
    const high = points[sorted.at(-1)!]![m]!;
    distance.set(sorted[0]!, Infinity);
    distance.set(sorted.at(-1)!, Infinity);
    if (high === low) continue;
    for (let k = 1; k < sorted.length - 1; k++) {
      const gap = (points[sorted[k + 1]!]![m]! - points[sorted[k - 1]!]![m]!) / (high - low);
      distance.set(sorted[k]!, distance.get(sorted[k]!)! + gap);
    }
  }
  return front.map((i) => distance.get(i)!);
}

/**
 * Hypervolume dominated by `points` and bounded by `reference` (which every counted point must beat in
 * every coordinate), by recursive slicing along the last objective (HSO, While et al. 2006). Exact; fine
 * for the few objectives and front sizes of a search.
 */
export function hypervolume(points: readonly ObjectiveVector[], reference: ObjectiveVector): number {
  const inside = points.filter((p) => p.every((v, i) => v > reference[i]!));
  if (inside.length === 0) return 0;
  const last = reference.length - 1;
  if (last === 0) return Math.max(...inside.map((p) => p[0]!)) - reference[0]!;
  const levels = [...new Set(inside.map((p) => p[last]!))].sort((a, b) => b - a);
  let volume = 0;
  for (let k = 0; k < levels.length; k++) {
    const top = levels[k]!;
    const bottom = levels[k + 1] ?? reference[last]!;
    const slice = inside.filter((p) => p[last]! >= top).map((p) => p.slice(0, last));
    volume += hypervolume(slice, reference.slice(0, last)) * (top - bottom);
  }
  return volume;
}
