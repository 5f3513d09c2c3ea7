import { isActiveTrial } from '../search/states.js';
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

/** A drawn architecture and, when it was derived from a trial, that trial's index in the history. */
export interface Draw<A> {
  readonly arch: A;
  readonly parent?: number;
}

/**
 * Draws from `next` until `count` architectures new to `seen` are found (adding them to it), or until
 * `count x maxDrawsPerCandidate` draws were spent, which is taken to mean the strategy has run dry.
 * `next` is told how many candidates were found so far. Keeps each candidate's parent for lineage.
 */
export function drawUnseenDerived<A>(
  space: { canonical(a: A): string },
  seen: Set<string>,
  count: number,
  maxDrawsPerCandidate: number,
  next: (found: number) => Draw<A>,
): { candidates: A[]; parents: (number | undefined)[] } {
  const candidates: A[] = [];
  const parents: (number | undefined)[] = [];
  for (let draws = 0; candidates.length < count && draws < count * maxDrawsPerCandidate; draws++) {
    const { arch, parent } = next(candidates.length);
    const canonical = space.canonical(arch);
    if (seen.has(canonical)) continue;
    seen.add(canonical);
    candidates.push(arch);
    parents.push(parent);
  }
  return { candidates, parents };
}

/** `drawUnseenDerived` for strategies whose candidates have no parent. */
export function drawUnseen<A>(
  space: { canonical(a: A): string },
  seen: Set<string>,
  count: number,
  maxDrawsPerCandidate: number,
  next: (found: number) => A,
): A[] {
  return drawUnseenDerived(space, seen, count, maxDrawsPerCandidate, (found) => ({ arch: next(found) })).candidates;
}
