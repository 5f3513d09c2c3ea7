import type { Events, SearchEvent } from './events.js';

/**
 * The local `Events` adapter: calls the controller in-process, one call at a time per search (as the
 * cloud serializes per search), and folds events that arrive during a call into one more call, since
 * the controller re-reads everything anyway.
 */
export class InProcessEvents implements Events {
  private readonly inFlight = new Map<string, { again: boolean; done: Promise<void> }>();

  constructor(
    private readonly handle: (tenantId: string, searchId: string) => Promise<unknown>,
    private readonly onError: (error: unknown, event: SearchEvent) => void,
  ) {}

  private closed = false;

  publish(event: SearchEvent): void {
    if (this.closed) return;
    const key = `${event.tenantId}/${event.searchId}`;
    const current = this.inFlight.get(key);
    if (current) {
      current.again = true;
      return;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      do {
        entry.again = false;
        try {
          await this.handle(event.tenantId, event.searchId);
        } catch (error) {
          this.onError(error, event);
        }
      } while (entry.again && !this.closed);
      this.inFlight.delete(key);
    })();
    this.inFlight.set(key, entry);
  }

  /** Takes no more events, and lets the calls running finish without another round (the service is closing). */
  close(): void {
    this.closed = true;
  }

  /** Resolves once no controller call is running. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()].map((entry) => entry.done));
  }
}
