/**
 * One container that ran a trial and ended without its outcome: a Spot interruption (AWS Batch started the
 * same attempt again), or an attempt the controller gave up on (`STALE`, resubmitted as the next attempt).
 * The trial record keeps one per such container, because the next container overwrites `startedAt`: without
 * them, what the earlier ones cost would drop out of the search's spend (`src/cost/committed-spend.ts`) and
 * out of the count that bounds retries (`src/search/attempts.ts`).
 */
export interface AttemptSpan {
  /** The trial attempt the container ran (`TrialRecord.attempt` at the time). */
  readonly attempt: number;
  /** When the container claimed the trial (the trial's `startedAt`); absent if it never did. */
  readonly startedAt?: string;
  /** When it is known to have stopped costing money, at the latest. */
  readonly endedAt: string;
  /** Why it ended without an outcome. */
  readonly endedBy: 'spot-reclaim' | 'stale' | 'lost';
}
