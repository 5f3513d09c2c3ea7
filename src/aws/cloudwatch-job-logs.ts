import { GetLogEventsCommand, type GetLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import type { JobLogLine, JobLogReader } from '../usecases/record-container-outcome.js';

/** The one CloudWatch Logs call the reader makes; a `CloudWatchLogsClient` is one, and so is a test's fake. */
export interface CloudWatchLogsApi {
  send(command: GetLogEventsCommand): Promise<GetLogEventsCommandOutput>;
}

/**
 * A job's standard output as AWS Batch's `awslogs` driver keeps it: the stream `container.logStreamName`
 * in `logGroup`, paged from its head. GetLogEvents answers the same forward token once the stream's end is
 * reached, which is how the end is known.
 */
export class CloudWatchJobLogs implements JobLogReader {
  constructor(private readonly client: CloudWatchLogsApi, private readonly logGroup: string) {}

  async *lines(logStream: string): AsyncIterable<JobLogLine> {
    let nextToken: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new GetLogEventsCommand({ logGroupName: this.logGroup, logStreamName: logStream, startFromHead: true, ...(nextToken ? { nextToken } : {}) }),
      );
      for (const event of page.events ?? []) yield { message: event.message ?? '', timestamp: event.timestamp ?? 0 };
      if (!page.nextForwardToken || page.nextForwardToken === nextToken) return;
      nextToken = page.nextForwardToken;
    }
  }
}
