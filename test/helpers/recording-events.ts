import type { Events, SearchEvent } from '../../src/events/events.js';

/** Keeps what was published so a test can assert on it. */
export class RecordingEvents implements Events {
  readonly published: SearchEvent[] = [];
  publish(event: SearchEvent): void {
    this.published.push(event);
  }
}
