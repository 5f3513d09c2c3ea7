import { PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import type { Events, SearchEvent } from './events.js';

/** The one EventBridge call the adapter makes; an `EventBridgeClient` is one. */
export interface EventBridgeApi {
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
}

/** `source` of every event the service puts; the controller's rule matches on it. */
export const EVENT_SOURCE = 'serverless-nas';

export interface EventBridgeEventsOptions {
  readonly client: EventBridgeApi;
  /** Name or ARN of the event bus the controller's rule listens on. */
  readonly eventBusName: string;
  /** Where a failed put is reported; it is never thrown at the publisher. @default console.error as one JSON line */
  readonly onError?: (error: unknown, event: SearchEvent) => void;
}

/**
 * The cloud `Events` adapter: each event becomes one EventBridge entry (`source` 'serverless-nas',
 * `detail-type` the event's type, `detail` the event itself), which a rule delivers to the controller.
 *
 * `publish` returns at once, as the port requires; the put runs in the background. A Lambda must
 * `await flush()` before it returns, or the runtime may freeze the call mid-flight. A put that fails is
 * reported, not thrown: every event only says "look at this search", and the controller's one-minute
 * sweep looks at every unfinished search anyway, so a lost event delays a search by at most a minute.
 */
export class EventBridgeEvents implements Events {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: EventBridgeEventsOptions) {}

  publish(event: SearchEvent): void {
    const put = this.put(event).catch((error: unknown) => (this.options.onError ?? logPutFailure)(error, event));
    this.pending.add(put);
    const settled = () => this.pending.delete(put);
    put.then(settled, settled);
  }

  /** Resolves once every event published so far has been put (or its failure reported). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async put(event: SearchEvent): Promise<void> {
    const result = await this.options.client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: this.options.eventBusName, Source: EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event) }],
      }),
    );
    // PutEvents answers 200 even when an entry was refused (throttled, too large): the entry says so.
    if (result.FailedEntryCount) {
      const entry = result.Entries?.[0];
      throw new Error(`EventBridge refused the event: ${entry?.ErrorCode ?? 'unknown error'} ${entry?.ErrorMessage ?? ''}`.trim());
    }
  }
}

function logPutFailure(error: unknown, event: SearchEvent): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(JSON.stringify({ message: 'search event not published', event, error: message }));
}
