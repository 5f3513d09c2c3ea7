import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import type { SearchEvent } from '../../src/events/events.js';
import { EventBridgeEvents, type EventBridgeApi } from '../../src/events/eventbridge-events.js';
import { FakeEventBridge } from './fake-event-bridge.js';

const created: SearchEvent = { type: 'SearchCreated', tenantId: 'tenant-a', searchId: '01JD3S9V7X0000000000000000' };

describe('EventBridgeEvents', () => {
  it("puts each event on the bus as source 'serverless-nas', detail-type its type, detail the event", async () => {
    const eventBridge = new FakeEventBridge();
    const events = new EventBridgeEvents({ client: eventBridge, eventBusName: 'serverless-nas' });
    events.publish(created);
    events.publish({ type: 'SearchStopRequested', tenantId: 'tenant-a', searchId: 's2' });
    await events.flush();

    expect(eventBridge.requests).toEqual([
      { Entries: [{ EventBusName: 'serverless-nas', Source: 'serverless-nas', DetailType: 'SearchCreated', Detail: JSON.stringify(created) }] },
      {
        Entries: [
          {
            EventBusName: 'serverless-nas',
            Source: 'serverless-nas',
            DetailType: 'SearchStopRequested',
            Detail: '{"type":"SearchStopRequested","tenantId":"tenant-a","searchId":"s2"}',
          },
        ],
      },
    ]);
  });

  it('returns from publish before the put is done, and flush waits for it', async () => {
    const eventBridge = new FakeEventBridge();
    let release!: () => void;
    eventBridge.answer = () => new Promise((resolve) => (release = () => resolve({ FailedEntryCount: 0, $metadata: {} })));
    const events = new EventBridgeEvents({ client: eventBridge, eventBusName: 'bus' });
    events.publish(created);

    let flushed = false;
    const flushing = events.flush().then(() => (flushed = true));
    // Everything that could settle without the put's answer has run once the event loop comes round.
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    release();
    await flushing;
    expect(flushed).toBe(true);
  });

  it('reports a refused entry or a failed call to onError and never throws at the publisher', async () => {
    const eventBridge = new FakeEventBridge();
    const errors: { message: string; event: SearchEvent }[] = [];
    const events = new EventBridgeEvents({
      client: eventBridge,
      eventBusName: 'bus',
      onError: (error, event) => errors.push({ message: (error as Error).message, event }),
    });
    eventBridge.answer = async () => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }], $metadata: {} });
    events.publish(created);
    await events.flush();
    eventBridge.answer = () => Promise.reject(new Error('socket hang up'));
    events.publish(created);
    await events.flush();

    expect(errors).toEqual([
      { message: 'EventBridge refused the event: ThrottlingException Rate exceeded', event: created },
      { message: 'socket hang up', event: created },
    ]);
  });

  it('takes a real EventBridgeClient as its client', () => {
    const client: EventBridgeApi = new EventBridgeClient({ region: 'eu-west-1' });
    expect(new EventBridgeEvents({ client, eventBusName: 'bus' })).toBeInstanceOf(EventBridgeEvents);
  });
});
