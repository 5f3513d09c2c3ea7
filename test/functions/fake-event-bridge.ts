import type { PutEventsCommand, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import type { EventBridgeApi } from '../../src/events/eventbridge-events.js';

/** EventBridge's PutEvents as far as the adapter sees it: records each request, answers as told. */
export class FakeEventBridge implements EventBridgeApi {
  readonly requests: PutEventsCommand['input'][] = [];
  answer: () => Promise<PutEventsCommandOutput> = async () => ({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }], $metadata: {} });

  send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
    this.requests.push(command.input);
    return this.answer();
  }
}
