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
