import { GetLogEventsCommand, type GetLogEventsCommandOutput, type OutputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { CloudWatchJobLogs, type CloudWatchLogsApi } from '../../src/aws/cloudwatch-job-logs.js';
import type { JobLogLine } from '../../src/usecases/record-container-outcome.js';

const GROUP = 'nas-job-logs';
const STREAM = 'container/default/0123456789abcdef';

/**
 * GetLogEvents as CloudWatch Logs answers it, from the head: page i is asked with the forward token page
 * i - 1 answered (none for the first), and the last page answers the very token it was asked with. Every
 * command is recorded; a token it never gave, or a call past the end, fails the test.
 */
class PagedLogs implements CloudWatchLogsApi {
  readonly sent: GetLogEventsCommand['input'][] = [];
  readonly commands: string[] = [];
  private served = 0;
  constructor(private readonly pages: readonly (readonly OutputLogEvent[])[]) {}

  async send(command: GetLogEventsCommand): Promise<GetLogEventsCommandOutput> {
    this.commands.push(command.constructor.name);
    this.sent.push({ ...command.input });
    const asked = command.input.nextToken;
    const expected = this.served === 0 ? undefined : tokenAfter(this.served - 1);
    if (asked !== expected) throw new Error(`asked with token ${asked}, expected ${expected}`);
    if (this.served > this.pages.length) throw new Error('asked past the end of the stream');
    const index = this.served++;
    // Past the last page: no events, and the token it was asked with, which is how the end is told.
    if (index === this.pages.length) return { events: [], nextForwardToken: asked, nextBackwardToken: 'b/0', $metadata: {} };
    return { events: [...this.pages[index]!], nextForwardToken: tokenAfter(index), nextBackwardToken: `b/${index}`, $metadata: {} };
  }
}

const tokenAfter = (page: number) => `f/${String(page + 1).padStart(56, '0')}`;
const event = (message: string, timestamp: number): OutputLogEvent => ({ message, timestamp, ingestionTime: timestamp + 5 });

async function all(lines: AsyncIterable<JobLogLine>): Promise<JobLogLine[]> {
  const read: JobLogLine[] = [];
  for await (const line of lines) read.push(line);
  return read;
}

describe('CloudWatchJobLogs', () => {
  it("reads every line of a paged stream in order, across empty pages with a new token, until the same forward token comes back", async () => {
    const logs = new PagedLogs([
      [event('starting', 1000), event('epoch=1 val_acc=0.5', 2000)],
      [],
      [event('epoch=2 val_acc=0.6', 3000)],
      [],
      [],
      [event('epoch=3 val_acc=0.7', 4000), event('done', 5000)],
    ]);
    const lines = await all(new CloudWatchJobLogs(logs, GROUP).lines(STREAM));

    expect(lines).toEqual([
      { message: 'starting', timestamp: 1000 },
      { message: 'epoch=1 val_acc=0.5', timestamp: 2000 },
      { message: 'epoch=2 val_acc=0.6', timestamp: 3000 },
      { message: 'epoch=3 val_acc=0.7', timestamp: 4000 },
      { message: 'done', timestamp: 5000 },
    ]);
    // Six pages, then the one that answers its own token: seven GetLogEvents, from the head, each with the last forward token.
    expect(logs.commands).toEqual(Array(7).fill('GetLogEventsCommand'));
    expect(logs.sent).toEqual([
      { logGroupName: GROUP, logStreamName: STREAM, startFromHead: true },
      ...[0, 1, 2, 3, 4, 5].map((page) => ({ logGroupName: GROUP, logStreamName: STREAM, startFromHead: true, nextToken: tokenAfter(page) })),
    ]);
  });

  it('reads an empty stream with two calls, and a line without a message or time as empty at time 0', async () => {
    const empty = new PagedLogs([[]]);
    expect(await all(new CloudWatchJobLogs(empty, GROUP).lines(STREAM))).toEqual([]);
    expect(empty.sent).toEqual([
      { logGroupName: GROUP, logStreamName: STREAM, startFromHead: true },
      { logGroupName: GROUP, logStreamName: STREAM, startFromHead: true, nextToken: tokenAfter(0) },
    ]);

    const bare = new PagedLogs([[{}, event('val_acc=0.9', 7000)]]);
    expect(await all(new CloudWatchJobLogs(bare, GROUP).lines(STREAM))).toEqual([
      { message: '', timestamp: 0 },
      { message: 'val_acc=0.9', timestamp: 7000 },
    ]);
  });

  it('asks for no further page once the reader stops reading', async () => {
    const logs = new PagedLogs([[event('a', 1), event('b', 2)], [event('c', 3)]]);
    for await (const line of new CloudWatchJobLogs(logs, GROUP).lines(STREAM)) {
      expect(line.message).toBe('a');
      break;
    }
    expect(logs.sent).toHaveLength(1);
  });

  it('stops at a page without a forward token', async () => {
    const logs: CloudWatchLogsApi & { calls: number } = {
      calls: 0,
      async send() {
        this.calls += 1;
        return { events: [event('only', 1)], $metadata: {} };
      },
    };
    expect(await all(new CloudWatchJobLogs(logs, GROUP).lines(STREAM))).toEqual([{ message: 'only', timestamp: 1 }]);
    expect(logs.calls).toBe(1);
  });
});
