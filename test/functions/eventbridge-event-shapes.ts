import { randomUUID } from 'node:crypto';
import type { JobDetail } from '@aws-sdk/client-batch';
import type { EventBridgeEvent } from '../../functions/controller.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

function envelope<D>(source: string, detailType: string, detail: D, resources: string[], time: string): EventBridgeEvent<string, D> {
  return { version: '0', id: randomUUID(), 'detail-type': detailType, source, account: ACCOUNT, time, region: REGION, resources, detail };
}

/** What EventBridge delivers for a rule's `schedule: rate(1 minute)` (AWS's documented "Scheduled Event"). */
export function scheduledEvent(time = '2025-06-01T12:00:00Z') {
  return envelope('aws.events', 'Scheduled Event', {}, [`arn:aws:events:${REGION}:${ACCOUNT}:rule/ServerlessNas-ControllerSweep`], time);
}

/** An event the API put on the service's bus (`EventBridgeEvents`), as the rule delivers it. */
export function searchEvent(type: string, tenantId: string, searchId: string) {
  return envelope('serverless-nas', type, { type, tenantId, searchId }, [], '2025-06-01T12:00:00Z');
}

/**
 * "Batch Job State Change" for a job, field for field as in AWS Batch's documented example (the detail is
 * the job as DescribeJobs returns it), for a container job submitted by `BatchJobQueue`: the
 * `containerOverrides` environment and the tags show up in `container.environment` and `tags`.
 */
export function batchJobStateChange(
  job: Pick<JobDetail, 'jobId' | 'jobName' | 'jobQueue' | 'jobDefinition'> & { environment?: { name: string; value: string }[]; tags?: Record<string, string> },
  status: 'SUCCEEDED' | 'FAILED' | 'RUNNING',
  failure: { statusReason?: string; exitCode?: number } = {},
) {
  const jobArn = `arn:aws:batch:${REGION}:${ACCOUNT}:job/${job.jobId}`;
  const logStreamName = `serverless-nas/default/${job.jobId}`;
  const stopped = status === 'RUNNING' ? {} : { exitCode: failure.exitCode ?? (status === 'SUCCEEDED' ? 0 : 1) };
  return envelope(
    'aws.batch',
    'Batch Job State Change',
    {
      jobArn,
      jobName: job.jobName,
      jobId: job.jobId,
      jobQueue: job.jobQueue,
      status,
      ...(failure.statusReason ? { statusReason: failure.statusReason } : {}),
      attempts:
        status === 'RUNNING'
          ? []
          : [
              {
                container: { ...stopped, logStreamName, networkInterfaces: [] },
                startedAt: 1_748_779_000_000,
                stoppedAt: 1_748_779_060_000,
                statusReason: failure.statusReason ?? 'Essential container in task exited',
              },
            ],
      createdAt: 1_748_778_990_000,
      retryStrategy: { attempts: 3, evaluateOnExit: [{ onStatusReason: 'Host EC2*', action: 'retry' }, { onReason: '*', action: 'exit' }] },
      startedAt: 1_748_779_000_000,
      ...(status === 'RUNNING' ? {} : { stoppedAt: 1_748_779_060_000 }),
      dependsOn: [],
      jobDefinition: job.jobDefinition,
      parameters: {},
      container: {
        image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/cdk-hnb659fds-container-assets-${ACCOUNT}-${REGION}:4f2a`,
        command: [],
        volumes: [],
        environment: [{ name: 'NAS_TABLE', value: 'ServerlessNas-RecordsTable' }, ...(job.environment ?? [])],
        mountPoints: [],
        ulimits: [],
        ...stopped,
        logStreamName,
        networkInterfaces: [],
        resourceRequirements: [
          { value: '1', type: 'VCPU' },
          { value: '2048', type: 'MEMORY' },
        ],
        secrets: [],
      },
      tags: { resourceArn: jobArn, ...(job.tags ?? {}) },
      propagateTags: true,
      platformCapabilities: ['FARGATE'],
    },
    [jobArn],
    '2025-06-01T12:01:00Z',
  );
}
