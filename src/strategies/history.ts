import { isActiveTrial } from '../search/records.js';
import type { HistoryEntry } from './strategy.js';

/** Canonical forms already proposed: a strategy must never propose one of these again. */
export function proposedSet<A>(history: readonly HistoryEntry<A>[]): Set<string> {
  return new Set(history.map((entry) => entry.canonical));
}

/** Score of each finished architecture by canonical form (larger is better). */
export function scoresByCanonical<A>(history: readonly HistoryEntry<A>[]): Map<string, number> {
  const scores = new Map<string, number>();
  for (const entry of history) if (entry.score !== undefined) scores.set(entry.canonical, entry.score);
  return scores;
}

/** Canonical forms whose trials are still queued or running. */
export function pendingSet<A>(history: readonly HistoryEntry<A>[]): Set<string> {
  return new Set(history.filter((entry) => isActiveTrial(entry.status)).map((entry) => entry.canonical));
}

/**
 * Draws from `next` until `count` architectures new to `seen` are found (adding them to it), or until
 * `count x maxDrawsPerCandidate` draws were spent, which is taken to mean the strategy has run dry.
 * `next` is told how many candidates were found so far.
 */
export function drawUnseen<A>(
  space: { canonical(a: A): string },
  seen: Set<string>,
  count: number,
  maxDrawsPerCandidate: number,
  next: (found: number) => A,
): A[] {
  const found: A[] = [];
  for (let draws = 0; found.length < count && draws < count * maxDrawsPerCandidate; draws++) {
    const candidate = next(found.length);
    const canonical = space.canonical(candidate);
    if (seen.has(canonical)) continue;
    seen.add(canonical);
    found.push(candidate);
  }
  return found;
}
