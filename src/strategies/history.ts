import { isActiveTrial } from '../search/states.js';
import type { HistoryEntry, ProposeInput } from './strategy.js';

/**
 * The canonical forms a proposal must not return: the history's (a strategy never proposes one again)
 * and those the proposal chose so far. The history's set is the caller's, never written to, so that a
 * proposal costs no scan of the history; a caller that keeps none has it built here.
 */
export class SeenCanonicals {
  private readonly chosen = new Set<string>();

  private constructor(private readonly proposed: ReadonlySet<string>) {}

  static of<A>({ history, proposed }: Pick<ProposeInput<A, unknown, unknown>, 'history' | 'proposed'>): SeenCanonicals {
    return new SeenCanonicals(proposed ?? new Set(history.map((entry) => entry.canonical)));
  }

  has(canonical: string): boolean {
    return this.proposed.has(canonical) || this.chosen.has(canonical);
  }

  add(canonical: string): void {
    this.chosen.add(canonical);
  }
}

/**
 * The `size` most recent finished entries in trial order, each with its index in `history`: read from the
 * end, so the cost is that of the tail holding them, not of the whole history.
 */
export function recentFinished<A>(history: readonly HistoryEntry<A>[], size: number): { entry: HistoryEntry<A>; index: number }[] {
  const recent: { entry: HistoryEntry<A>; index: number }[] = [];
  for (let index = history.length - 1; index >= 0 && recent.length < size; index--) {
    const entry = history[index]!;
    if (entry.score !== undefined) recent.push({ entry, index });
  }
  return recent.reverse();
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
  seen: SeenCanonicals,
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
  seen: SeenCanonicals,
  count: number,
  maxDrawsPerCandidate: number,
  next: (found: number) => A,
): A[] {
  return drawUnseenDerived(space, seen, count, maxDrawsPerCandidate, (found) => ({ arch: next(found) })).candidates;
}
