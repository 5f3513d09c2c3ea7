/**
 * The trials a dashboard page reads and draws: a window of consecutive trial numbers, so that a page of a
 * 10,000-trial search costs what a page of a 200-trial one does (issue #18). The search page shows the
 * latest trials unless asked for earlier ones (`?upTo=N`); a trial's page, the trials around it.
 */
export const TRIALS_PER_WINDOW = 200;

export interface TrialWindow {
  /** First and last trial number shown. */
  readonly from: number;
  readonly to: number;
  /** The search's trials in all. */
  readonly total: number;
}

/** The window ending at `upTo` (a query parameter: anything not a trial number means the latest trials). */
export function windowUpTo(total: number, upTo: string | undefined): TrialWindow {
  const asked = upTo !== undefined && /^[1-9]\d{0,8}$/.test(upTo) ? Number(upTo) : total;
  const to = Math.min(Math.max(asked, Math.min(total, TRIALS_PER_WINDOW)), total);
  return { from: Math.max(1, to - TRIALS_PER_WINDOW + 1), to, total };
}

/** The window around trial `number`. */
export function windowAround(total: number, number: number): TrialWindow {
  const from = Math.max(1, Math.min(number - TRIALS_PER_WINDOW / 2, total - TRIALS_PER_WINDOW + 1));
  return { from, to: Math.min(total, from + TRIALS_PER_WINDOW - 1), total };
}

export function windowNumbers({ from, to }: TrialWindow): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
