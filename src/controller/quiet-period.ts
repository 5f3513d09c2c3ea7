/**
 * Whether a controller has been idle a while. Work that can wait (the warm-up of an ended search's
 * predictors) waits for it, so that it does not slow the searches that run: on the local service a search
 * started right after another took up to 1.6 times as long while the first one's predictors trained
 * (issue #18, `bench:scale`'s cold start).
 */
export class QuietPeriod {
  private busy = 0;
  private lastBusyAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly quietMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs `work`; the controller is busy until it has ended. */
  async during<T>(work: () => Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await work();
    } finally {
      this.busy--;
      this.lastBusyAt = this.now();
    }
  }

  /** Resolves once nothing has run for `quietMs`, or once `maxWaitMs` have passed: a controller never quiet still gets to it. */
  async quiet(maxWaitMs = Number.POSITIVE_INFINITY): Promise<void> {
    const deadline = this.now() + maxWaitMs;
    for (;;) {
      const wait = this.busy > 0 ? this.quietMs : this.lastBusyAt + this.quietMs - this.now();
      if (wait <= 0 || this.now() >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, deadline - this.now())));
    }
  }
}
