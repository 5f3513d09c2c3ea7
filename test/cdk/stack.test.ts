import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { App, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CostGuard } from '../../cdk/cost-guard.js';
import { NasStack } from '../../cdk/nas-stack.js';
import { Records } from '../../cdk/records.js';
import { API_STAGE } from '../../cdk/api.js';
import { AGENT_JOB_SIZE, DEFAULT_MAX_VCPUS, DEFAULT_RUNNABLE_TIMEOUT_MINUTES, DEFAULT_SPOT_WAIT_MINUTES, GPU_JOB_ENVIRONMENT } from '../../cdk/training-queue.js';
import { CUDA_BASE_IMAGE, NODE_BASE_IMAGE } from '../../cdk/images.js';
import { QUEUE_WAIT_SLACK_SECONDS } from '../../cdk/controller.js';
import { stackNameFor } from '../../cdk/nas-stack.js';
import { FORCE_BACKEND_VARIABLE } from '../../src/training/backend.js';
import { GPU_ON_DEMAND_INSTANCE_TYPES, GPU_SPOT_INSTANCE_TYPES, JOB_PROFILES } from '../../src/cost/job-profiles.js';
import { createTableInput, TTL_ATTRIBUTE } from '../../src/store/table.js';
import { scheduledEvent } from '../functions/eventbridge-event-shapes.js';
import { CUSTOM_DOMAIN, parseStreamedResponse, restApiEvent } from '../functions/rest-api.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const getAtt = (construct: IConstruct, attribute: string) => ({ 'Fn::GetAtt': [logicalId(construct), attribute] });
const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}
type Resources = Record<string, { Type: string; Properties?: Record<string, any>; DependsOn?: string[] }>;

describe('NasStack', () => {
  // GIVEN the stack as `cdk synth` builds it (cdk.json's feature flags, asset paths in the metadata, the
  // cdk-nag plugin of cdk/app.ts, which fails synthesis on any unacknowledged finding), synthesized
  // once without Docker: bundling the two functions is most of the cost.
  let stack: NasStack;
  let template: Template;
  let resources: Resources;
  let assemblyDir: string;
  let previousDocker: string | undefined;
  beforeAll(() => {
    // CDK runs Docker through CDK_DOCKER: pointing it nowhere proves synthesis never needs it.
    previousDocker = process.env.CDK_DOCKER;
    process.env.CDK_DOCKER = '/nonexistent/docker';
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    stack = new NasStack(app, 'ServerlessNas', { alarmEmail: 'ops@example.com' });
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources;
    assemblyDir = app.synth().directory;
  });
  afterAll(() => {
    if (previousDocker === undefined) delete process.env.CDK_DOCKER;
    else process.env.CDK_DOCKER = previousDocker;
  });

  /** Every IAM statement of a role: its attached policies and its inline ones. */
  const statementsOf = (role: IConstruct): Statement[] => {
    const id = logicalId(role);
    const attached = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties!.Roles.some((r: { Ref: string }) => r.Ref === id))
      .flatMap((policy) => policy.Properties!.PolicyDocument.Statement);
    const inline = (resources[id]!.Properties!.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement);
    return [...attached, ...inline];
  };
  const bucketObjects = (prefix: string) => ({ 'Fn::Join': ['', [getAtt(stack.artifacts.bucket, 'Arn'), `/${prefix}/*`]] });
  /** ListBucket of the artifacts bucket, for keys under these prefixes only. */
  const listing = (...prefixes: string[]) => ({
    Effect: 'Allow',
    Action: 's3:ListBucket',
    Resource: getAtt(stack.artifacts.bucket, 'Arn'),
    Condition: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}/*`) } },
  });
  /** Item actions confined to a platform partition family by dynamodb:LeadingKeys. */
  const platformItems = (partition: string, actions: string[]) => ({
    Effect: 'Allow',
    Action: actions.length === 1 ? actions[0] : actions,
    Resource: getAtt(stack.records.table, 'Arn'),
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${partition}*`] } },
  });
  const assumeTenantRole = () => ({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: getAtt(stack.tenantRole.role, 'Arn') });

  describe('Records', () => {
    it('THEN the table is keyed pk/sk with the ActiveSearches index, on-demand, recoverable, protected, encrypted and retained', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'ActiveSearches' })],
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
          SSESpecification: { SSEEnabled: true },
          // Rate-limit windows and dashboard sessions expire by DynamoDB's time to live.
          TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        },
      });
    });

    it('THEN its keys, attributes and index are those of the embedded table, so cloud and local agree', () => {
      const local = createTableInput('nas');
      const table = resources[logicalId(stack.records.table)]!.Properties!;
      expect(table.KeySchema).toEqual(local.KeySchema);
      expect(table.AttributeDefinitions).toHaveLength(local.AttributeDefinitions!.length);
      expect(table.AttributeDefinitions).toEqual(expect.arrayContaining(local.AttributeDefinitions!));
      expect(table.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
    });
  });

  describe('Api', () => {

    it('THEN the function is told the table, the event bus, the artifacts bucket and the tables in it, and may run long enough to stream', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Timeout: 900,
        ReservedConcurrentExecutions: 100,
        Environment: {
          Variables: Match.objectLike({
            NAS_TABLE: ref(stack.records.table),
            NAS_EVENT_BUS: ref(stack.controller.eventBus),
            NAS_ARTIFACTS: { 'Fn::Join': ['', ['s3://', ref(stack.artifacts.bucket)]] },
            NAS_TABLES: { 'Fn::Join': ['', ['s3://', ref(stack.artifacts.bucket), '/tables']] },
            NAS_TENANT_ROLE_ARN: getAtt(stack.tenantRole.role, 'Arn'),
          }),
        },
      });
    });

    const restApi = () => stack.api.restApi;
    const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

    it('THEN a regional REST API sends every method of its root and {proxy+} to the function, streamed for up to 15 minutes', () => {
      template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
      const proxy = restApi().root.getResource('{proxy+}')!;
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{proxy+}', ParentId: getAtt(restApi(), 'RootResourceId') });
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((r) => r.Properties!);
      expect(methods.map((m) => m.ResourceId).sort(byJson)).toEqual([getAtt(restApi(), 'RootResourceId'), ref(proxy)].sort(byJson));
      for (const method of methods) {
        expect(method).toMatchObject({ HttpMethod: 'ANY', AuthorizationType: 'NONE' });
        expect(method.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', ResponseTransferMode: 'STREAM', TimeoutInMillis: 900_000 });
        // InvokeWithResponseStream rather than Invoke: with the latter API Gateway waits for the whole response.
        const uri = JSON.stringify(method.Integration.Uri);
        expect(uri).toContain('/2021-11-15/functions/');
        expect(uri).toContain('/response-streaming-invocations');
        expect(uri).toContain(logicalId(stack.api.handler));
      }
      template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', FunctionName: getAtt(stack.api.handler, 'Arn'), Principal: 'apigateway.amazonaws.com' });
      template.resourceCountIs('AWS::Lambda::Url', 0);
      template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    });

    it('THEN its stage is /v1, throttles all clients together, logs errors, and writes a JSON access log line per request to a log group that expires', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: API_STAGE,
        RestApiId: ref(restApi()),
        MethodSettings: [Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100, LoggingLevel: 'ERROR' })],
      });
      const [stage] = Object.values(template.findResources('AWS::ApiGateway::Stage'));
      expect(JSON.stringify(stage!.Properties!.AccessLogSetting.DestinationArn)).toContain(logicalId(stack.api.accessLogs));
      expect(JSON.parse(stage!.Properties!.AccessLogSetting.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status', path: '$context.path' });
      expect(resources[logicalId(stack.api.accessLogs)]!.Properties).toMatchObject({ RetentionInDays: 30 });
      // Execution logs go to the group API Gateway names after the API and stage: made beforehand, with a retention.
      const named = Object.entries(template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.anyValue() } }));
      expect(named).toHaveLength(1);
      const [executionLogsId, executionLogs] = named[0]!;
      expect(executionLogs.Properties).toMatchObject({
        LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', ref(restApi()), `/${API_STAGE}`]] },
        RetentionInDays: 30,
      });
      expect(stage!.DependsOn).toContain(executionLogsId);
      template.hasResourceProperties('AWS::ApiGateway::Account', { CloudWatchRoleArn: Match.anyValue() });
    });

    it('THEN the stack prints the bare execute-api host as the API URL (its stage is the /v1 clients append), the Batch targets of agent training and what else an operator needs', () => {
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(Object.keys(outputs).sort()).toEqual([
        'AgentJobDefinition',
        'AgentJobQueue',
        'AlarmTopic',
        'ApiUrl',
        'ArtifactsBucket',
        'CpuJobQueue',
        'GpuJobQueue',
        'GpuOnDemandJobQueue',
        'RecordsTable',
        'TenantRoleArn',
      ]);
      expect(outputs.ApiUrl!.Value).toEqual({
        'Fn::Join': ['', ['https://', ref(restApi()), '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
      });
      expect(outputs.AgentJobQueue!.Value).toEqual(stack.resolve(stack.trainingQueue.cpuQueue.jobQueueName));
      expect(outputs.AgentJobDefinition!.Value).toEqual(ref(stack.trainingQueue.agentJob));
    });

    it("THEN the function's role reads API keys, keeps dashboard sessions, puts events on the service's bus, reads imported tables and assumes the tenant role: no tenant's records or objects of its own", () => {
      template.hasResourceProperties('AWS::Lambda::Function', { Role: getAtt(stack.api.handler.role!, 'Arn') });
      const expected = [
        platformItems('APIKEY#', ['dynamodb:GetItem']),
        platformItems('SESSION#', ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem']),
        assumeTenantRole(),
        { Effect: 'Allow', Action: 'events:PutEvents', Resource: getAtt(stack.controller.eventBus, 'Arn') },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: bucketObjects('tables') },
        listing('tables'),
      ];
      const statements = statementsOf(stack.api.handler.role!);
      expect(statements).toEqual(expect.arrayContaining(expected));
      expect(statements).toHaveLength(expected.length);
    });
  });

  describe('Artifacts', () => {
    it('THEN the bucket is versioned, encrypted, closed to the public, TLS-only and retained', () => {
      const bucketId = logicalId(stack.artifacts.bucket);
      template.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          VersioningConfiguration: { Status: 'Enabled' },
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]) },
        }),
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  describe('TenantRole', () => {
    const tenantRole = () => resources[logicalId(stack.tenantRole.role)]!.Properties!;

    it('THEN only the API, the controller and the trial jobs may assume it, and only for a session tagged with a tenant and nothing else', () => {
      const trust = tenantRole().AssumeRolePolicyDocument.Statement as Statement[];
      expect(trust).toEqual([
        {
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Principal: { AWS: expect.arrayContaining([getAtt(stack.api.handler.role!, 'Arn'), getAtt(stack.controller.handler.role!, 'Arn'), getAtt(stack.trainingQueue.jobRole, 'Arn')]) },
          Condition: { StringLike: { 'aws:RequestTag/tenant': '?*' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenant'] } },
        },
      ]);
      expect((trust[0]!.Principal as { AWS: unknown[] }).AWS).toHaveLength(3);
    });

    it("THEN a session reaches the items under its tenant's partitions (dynamodb:LeadingKeys on the tenant tag) and the objects under its tenant's folder, and lists only that folder", () => {
      expect(statementsOf(stack.tenantRole.role)).toEqual([
        {
          Effect: 'Allow',
          // No Scan: it names no partition, and ForAllValues holds for an empty set.
          Action: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          Resource: getAtt(stack.records.table, 'Arn'),
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#${aws:PrincipalTag/tenant}', 'TENANT#${aws:PrincipalTag/tenant}#*'] } },
        },
        { Effect: 'Allow', Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], Resource: bucketObjects('tenants/${aws:PrincipalTag/tenant}') },
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: getAtt(stack.artifacts.bucket, 'Arn'),
          Condition: { StringLike: { 's3:prefix': 'tenants/${aws:PrincipalTag/tenant}/*' } },
        },
        // The tenant's own buckets (registered dataset sources): other accounts only, never this one's.
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:ListBucket'],
          Resource: ['arn:aws:s3:::*', 'arn:aws:s3:::*/*'],
          Condition: { StringNotEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ]);
      expect(tenantRole().ManagedPolicyArns).toBeUndefined();
    });
  });

  describe('TrainingQueue', () => {
    const environments = () => Object.values(template.findResources('AWS::Batch::ComputeEnvironment')).map((r) => r.Properties);

    it('THEN a GPU Spot environment, an on-demand fallback, and Fargate Spot and on-demand environments exist, each capped in vCPUs and scaling to zero', () => {
      template.resourceCountIs('AWS::Batch::ComputeEnvironment', 4);
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        Type: 'managed',
        ComputeResources: Match.objectLike({
          Type: 'SPOT',
          AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED',
          InstanceTypes: [...GPU_SPOT_INSTANCE_TYPES],
          Ec2Configuration: [{ ImageType: 'ECS_AL2023_NVIDIA' }],
          MinvCpus: 0,
          MaxvCpus: DEFAULT_MAX_VCPUS.gpuSpot,
        }),
      });
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({
          Type: 'EC2',
          InstanceTypes: [...GPU_ON_DEMAND_INSTANCE_TYPES],
          Ec2Configuration: [{ ImageType: 'ECS_AL2023_NVIDIA' }],
          MinvCpus: 0,
          MaxvCpus: DEFAULT_MAX_VCPUS.gpuOnDemand,
        }),
      });
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: Match.objectLike({ Type: 'FARGATE', MaxvCpus: DEFAULT_MAX_VCPUS.cpu }) });
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: Match.objectLike({ Type: 'FARGATE_SPOT', MaxvCpus: DEFAULT_MAX_VCPUS.cpu }) });
      for (const environment of environments()) expect(environment.ComputeResources.MaxvCpus).toBeGreaterThan(0);
    });

    /** Cancel a job RUNNABLE this long for each blocking reason Batch detects. */
    const cancelAfter = (minutes: number) =>
      ['CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY', 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT'].map((reason) => ({
        Action: 'CANCEL',
        State: 'RUNNABLE',
        MaxTimeSeconds: minutes * 60,
        Reason: reason,
      }));

    it('THEN the GPU queue runs Spot only and cancels what Spot cannot place in time, for the on-demand queue to run; the CPU queue tries Fargate Spot, then Fargate; no queue waits forever', () => {
      const arnOf = (type: string) => {
        const [id] = Object.keys(template.findResources('AWS::Batch::ComputeEnvironment', { Properties: { ComputeResources: { Type: type } } }));
        return { 'Fn::GetAtt': [id, 'ComputeEnvironmentArn'] };
      };
      const [spot, onDemand, fargateSpot, fargate] = [arnOf('SPOT'), arnOf('EC2'), arnOf('FARGATE_SPOT'), arnOf('FARGATE')];
      template.resourceCountIs('AWS::Batch::JobQueue', 3);
      template.hasResourceProperties('AWS::Batch::JobQueue', {
        ComputeEnvironmentOrder: [{ ComputeEnvironment: spot, Order: 1 }],
        JobStateTimeLimitActions: cancelAfter(DEFAULT_SPOT_WAIT_MINUTES),
      });
      template.hasResourceProperties('AWS::Batch::JobQueue', {
        ComputeEnvironmentOrder: [{ ComputeEnvironment: onDemand, Order: 1 }],
        JobStateTimeLimitActions: cancelAfter(DEFAULT_RUNNABLE_TIMEOUT_MINUTES),
      });
      template.hasResourceProperties('AWS::Batch::JobQueue', {
        ComputeEnvironmentOrder: [
          { ComputeEnvironment: fargateSpot, Order: 1 },
          { ComputeEnvironment: fargate, Order: 2 },
        ],
        JobStateTimeLimitActions: cancelAfter(DEFAULT_RUNNABLE_TIMEOUT_MINUTES),
      });
    });

    it('THEN an alarm on the topic fires when a queue reports a job blocked or cancels one for capacity', () => {
      const queues = stack.trainingQueue.queues.map((queue) => getAtt(queue, 'JobQueueArn'));
      const [ruleId] = Object.keys(
        template.findResources('AWS::Events::Rule', {
          Properties: { EventPattern: { 'detail-type': ['Batch Job Queue Blocked', 'Batch Job State Change'], detail: Match.objectLike({ jobQueue: queues }) } },
        }),
      );
      expect(ruleId).toBeDefined();
      expect(resources[ruleId!]!.Properties!.EventPattern.detail.statusReason).toEqual([{ prefix: 'Canceled by JobStateTimeLimit' }, { prefix: 'CAPACITY:' }, { prefix: 'MISCONFIGURATION:' }]);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Events',
        MetricName: 'TriggeredRules',
        Dimensions: [{ Name: 'RuleName', Value: { Ref: ruleId } }],
        Threshold: 1,
        AlarmActions: [ref(stack.alarms.topic)],
      });
    });

    it('THEN the instances run in public subnets without NAT, with no inbound rule, and the VPC logs rejected traffic', () => {
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0' })] });
      expect(template.findResources('AWS::EC2::SecurityGroup', { Properties: { SecurityGroupIngress: Match.anyValue() } })).toEqual({});
      template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', LogDestinationType: 'cloud-watch-logs' });
      template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    });

    const retryStrategy = {
      Attempts: 3,
      EvaluateOnExit: [
        { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
        { Action: 'RETRY', OnStatusReason: 'Your Spot Task was interrupted*' },
        { Action: 'EXIT', OnReason: '*' },
      ],
    };

    it('THEN the training job asks for one GPU, forces the GPU backend with a writable CUDA cache, retries only Spot reclaims and stops at its timeout', () => {
      expect(GPU_JOB_ENVIRONMENT).toEqual({ [FORCE_BACKEND_VARIABLE]: 'tfjs-node-gpu', CUDA_CACHE_PATH: '/home/nas/.nv/ComputeCache' });
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        Type: 'container',
        PlatformCapabilities: ['EC2'],
        PropagateTags: true,
        RetryStrategy: retryStrategy,
        Timeout: { AttemptDurationSeconds: JOB_PROFILES.train.timeoutSeconds },
        ContainerProperties: Match.objectLike({
          ResourceRequirements: [
            { Type: 'MEMORY', Value: String(14 * 1024) },
            { Type: 'VCPU', Value: '4' },
            { Type: 'GPU', Value: '1' },
          ],
          JobRoleArn: getAtt(stack.trainingQueue.jobRole, 'Arn'),
          Environment: Match.arrayWith([
            { Name: 'NAS_TABLE', Value: ref(stack.records.table) },
            { Name: 'NAS_TABLES', Value: { 'Fn::Join': ['', ['s3://', ref(stack.artifacts.bucket), '/tables']] } },
            { Name: 'NAS_TF_BACKEND', Value: 'tfjs-node-gpu' },
            { Name: 'CUDA_CACHE_PATH', Value: '/home/nas/.nv/ComputeCache' },
          ]),
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs', Options: Match.objectLike({ 'awslogs-group': ref(stack.trainingQueue.logGroup) }) }),
        }),
      });
    });

    it('THEN the benchmark job runs on Fargate at the size the cost estimator prices', () => {
      const { instance, timeoutSeconds } = JOB_PROFILES.benchmark;
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        PlatformCapabilities: ['FARGATE'],
        RetryStrategy: retryStrategy,
        Timeout: { AttemptDurationSeconds: timeoutSeconds },
        ContainerProperties: Match.objectLike({
          ResourceRequirements: [
            { Type: 'MEMORY', Value: String(instance.memoryGiB * 1024) },
            { Type: 'VCPU', Value: String(instance.vcpu) },
          ],
          NetworkConfiguration: { AssignPublicIp: 'ENABLED' },
          RuntimePlatform: { CpuArchitecture: 'X86_64' },
        }),
      });
    });

    it('THEN the GPU job runs the CUDA image (batch/Dockerfile) and the Fargate jobs the slim one (batch/Dockerfile.cpu), both Node 22 on bases pinned by digest, built at deploy from the sources and the benchmark data', () => {
      const imageOf = (platform: string) =>
        Object.values(template.findResources('AWS::Batch::JobDefinition', { Properties: { PlatformCapabilities: [platform] } })).map((r) => JSON.stringify(r.Properties.ContainerProperties.Image));
      expect(new Set(imageOf('EC2')).size).toBe(1);
      expect(new Set(imageOf('FARGATE')).size).toBe(1);
      expect(imageOf('EC2')[0]).not.toEqual(imageOf('FARGATE')[0]);
      const assets = JSON.parse(readFileSync(join(assemblyDir, 'ServerlessNas.assets.json'), 'utf8')) as {
        dockerImages: Record<string, { source: { directory: string; dockerFile: string; platform: string; dockerBuildArgs?: Record<string, string>; dockerBuildContexts: Record<string, string> } }>;
      };
      const images = Object.values(assets.dockerImages).map(({ source }) => source);
      expect(images.map((source) => source.dockerFile).sort()).toEqual(['batch/Dockerfile', 'batch/Dockerfile.cpu']);
      const gpu = images.find((source) => source.dockerFile === 'batch/Dockerfile')!;
      const cpu = images.find((source) => source.dockerFile === 'batch/Dockerfile.cpu')!;
      expect(gpu.dockerBuildArgs).toEqual({ CUDA_IMAGE: CUDA_BASE_IMAGE, NODE_IMAGE: NODE_BASE_IMAGE });
      expect(cpu.dockerBuildArgs).toEqual({ NODE_IMAGE: NODE_BASE_IMAGE });
      for (const source of images) {
        expect(source).toMatchObject({ platform: 'linux/amd64', dockerBuildContexts: { benchmarks: expect.stringMatching(/benchmarks$/) } });
        // The staged build context holds what the Dockerfile copies, and nothing else (no node_modules, tests or data).
        expect(readdirSync(join(assemblyDir, source.directory)).sort()).toEqual(['batch', 'package-lock.json', 'package.json', 'src', 'tsconfig.json']);
      }
      expect(NODE_BASE_IMAGE).toMatch(/^node:22-bookworm-slim@sha256:[0-9a-f]{64}$/);
      expect(CUDA_BASE_IMAGE).toMatch(/^nvidia\/cuda:11\.8\.0-cudnn8-runtime-ubuntu22\.04@sha256:[0-9a-f]{64}$/);
    });

    it("THEN each Dockerfile's own default base images (for a build by hand) are the pinned ones, and the CUDA image gives its user a home for the CUDA cache", () => {
      const dockerfile = (name: string) => readFileSync(new URL(`../../batch/${name}`, import.meta.url), 'utf8');
      expect(dockerfile('Dockerfile')).toContain(`ARG CUDA_IMAGE=${CUDA_BASE_IMAGE}\n`);
      expect(dockerfile('Dockerfile')).toContain(`ARG NODE_IMAGE=${NODE_BASE_IMAGE}\n`);
      expect(dockerfile('Dockerfile.cpu')).toContain(`ARG NODE_IMAGE=${NODE_BASE_IMAGE}\n`);
      expect(dockerfile('Dockerfile.cpu')).not.toMatch(/FROM .*cuda/i);
      expect(dockerfile('Dockerfile')).toMatch(/CUDA_CACHE_PATH=\/home\/nas\/\.nv\/ComputeCache/);
      expect(dockerfile('Dockerfile')).toMatch(/useradd .*--create-home --home-dir \/home\/nas/);
    });

    it('THEN agent training runs on Fargate with the artifacts bucket, as its own role, sized for the learner', () => {
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        PlatformCapabilities: ['FARGATE'],
        Timeout: { AttemptDurationSeconds: AGENT_JOB_SIZE.timeoutSeconds },
        ContainerProperties: Match.objectLike({
          ResourceRequirements: [
            { Type: 'MEMORY', Value: String(AGENT_JOB_SIZE.memoryGiB * 1024) },
            { Type: 'VCPU', Value: String(AGENT_JOB_SIZE.vcpu) },
          ],
          JobRoleArn: getAtt(stack.trainingQueue.agentJobRole, 'Arn'),
          Environment: [{ Name: 'NAS_ARTIFACTS', Value: { 'Fn::Join': ['', ['s3://', ref(stack.artifacts.bucket)]] } }],
          NetworkConfiguration: { AssignPublicIp: 'ENABLED' },
        }),
      });
    });

    it('THEN the agent job role reads and writes training runs and policies, deletes only runs, lists only those two prefixes (a missing key reads as missing), and touches no records', () => {
      const bucketArn = getAtt(stack.artifacts.bucket, 'Arn');
      const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}/*`]] });
      expect(statementsOf(stack.trainingQueue.agentJobRole)).toEqual([
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [objects('policies'), objects('training')] },
        { Effect: 'Allow', Action: 's3:DeleteObject', Resource: objects('training') },
        listing('training', 'policies'),
      ]);
    });

    it("THEN the job role reaches its trial's records and artifacts only as its tenant (the tenant role), and of its own reads imported tables: no record, no tenant's object", () => {
      expect(statementsOf(stack.trainingQueue.jobRole)).toEqual([assumeTenantRole(), { Effect: 'Allow', Action: 's3:GetObject', Resource: bucketObjects('tables') }, listing('tables')]);
    });

    it('THEN trial jobs, not agent-training jobs, are told the tenant role', () => {
      const definitions = Object.values(template.findResources('AWS::Batch::JobDefinition')).map((r) => r.Properties.ContainerProperties);
      const told = definitions.filter((container) => container.Environment.some((e: { Name: string }) => e.Name === 'NAS_TENANT_ROLE_ARN'));
      expect(told.map((container) => container.JobRoleArn)).toEqual([getAtt(stack.trainingQueue.jobRole, 'Arn'), getAtt(stack.trainingQueue.jobRole, 'Arn')]);
      for (const container of told) expect(container.Environment).toContainEqual({ Name: 'NAS_TENANT_ROLE_ARN', Value: getAtt(stack.tenantRole.role, 'Arn') });
    });

    it("THEN no trial job runs a container trial's command in the service's image, as the service's job role", () => {
      const definitions = Object.values(template.findResources('AWS::Batch::JobDefinition')).map((r) => r.Properties.ContainerProperties);
      const trialJobs = definitions.filter((container) => container.JobRoleArn?.['Fn::GetAtt']?.[0] === logicalId(stack.trainingQueue.jobRole));
      expect(trialJobs).toHaveLength(2);
      for (const container of trialJobs) expect(container.Environment).toContainEqual({ Name: 'NAS_CONTAINER_COMMANDS', Value: 'off' });
    });
  });

  describe('Controller', () => {
    const controllerArn = () => getAtt(stack.controller.handler, 'Arn');
    const target = () => ({
      Arn: controllerArn(),
      Id: Match.anyValue(),
      DeadLetterConfig: { Arn: getAtt(stack.controller.deadLetterQueue, 'Arn') },
      RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 4 },
    });

    it('THEN the function knows the table, both queues and both job definitions, and runs one tick at a time', () => {
      const { trainingQueue } = stack;
      template.hasResourceProperties('AWS::Lambda::Function', {
        Timeout: 120,
        ReservedConcurrentExecutions: 1,
        DeadLetterConfig: { TargetArn: getAtt(stack.controller.deadLetterQueue, 'Arn') },
        Environment: {
          Variables: Match.objectLike({
            NAS_TABLE: ref(stack.records.table),
            NAS_CPU_JOB_QUEUE: getAtt(trainingQueue.cpuQueue, 'JobQueueArn'),
            NAS_CPU_JOB_DEFINITION: ref(trainingQueue.benchmarkJob),
            NAS_GPU_JOB_QUEUE: getAtt(trainingQueue.gpuQueue, 'JobQueueArn'),
            NAS_GPU_JOB_DEFINITION: ref(trainingQueue.trainJob),
            NAS_GPU_FALLBACK_JOB_QUEUE: getAtt(trainingQueue.gpuOnDemandQueue, 'JobQueueArn'),
            NAS_MAX_QUEUED_SECONDS: String(DEFAULT_RUNNABLE_TIMEOUT_MINUTES * 60 + QUEUE_WAIT_SLACK_SECONDS),
            NAS_TENANT_ROLE_ARN: getAtt(stack.tenantRole.role, 'Arn'),
          }),
        },
      });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref(stack.controller.handler),
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3600,
      });
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    });

    it('THEN a rule on the default bus sends it the ended jobs of our three queues only', () => {
      const { gpuQueue, gpuOnDemandQueue, cpuQueue } = stack.trainingQueue;
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: Match.absent(),
        EventPattern: {
          source: ['aws.batch'],
          'detail-type': ['Batch Job State Change'],
          detail: { jobQueue: [gpuQueue, gpuOnDemandQueue, cpuQueue].map((queue) => getAtt(queue, 'JobQueueArn')), status: ['SUCCEEDED', 'FAILED'] },
        },
        Targets: [target()],
      });
    });

    it("THEN a rule on the service's own bus sends it the API's search events", () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: ref(stack.controller.eventBus),
        EventPattern: { source: ['serverless-nas'], 'detail-type': Match.arrayWith(['SearchCreated', 'SearchStopRequested']) },
        Targets: [target()],
      });
    });

    it('THEN a schedule sweeps every minute, and EventBridge may invoke the function for each rule', () => {
      template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)', Targets: [target()] });
      const permissions = template.findResources('AWS::Lambda::Permission', {
        Properties: { FunctionName: controllerArn(), Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction' },
      });
      expect(Object.keys(permissions)).toHaveLength(3);
    });

    it('THEN its role may submit only to our queues with our job definitions, and of its own reaches only its dead-letter queue, the active-searches index and the RL policies', () => {
      const { trainingQueue } = stack;
      const jobs = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':batch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':job/*']] };
      const statements = statementsOf(stack.controller.handler.role!);
      const artifactStatements = [{ Effect: 'Allow', Action: 's3:GetObject', Resource: bucketObjects('policies') }, listing('policies')];
      expect(statements).toEqual(expect.arrayContaining(artifactStatements));
      expect(statements.filter((statement: { Action: unknown }) => JSON.stringify(statement.Action).includes('s3:'))).toHaveLength(artifactStatements.length);
      expect(statements.filter((statement: { Action: unknown }) => !JSON.stringify(statement.Action).includes('s3:'))).toEqual([
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(stack.controller.deadLetterQueue, 'Arn') },
        assumeTenantRole(),
        { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [getAtt(stack.records.table, 'Arn'), '/index/ActiveSearches']] } },
        {
          Effect: 'Allow',
          Action: 'batch:SubmitJob',
          Resource: expect.arrayContaining([
            getAtt(trainingQueue.gpuQueue, 'JobQueueArn'),
            getAtt(trainingQueue.cpuQueue, 'JobQueueArn'),
            ref(trainingQueue.trainJob),
            ref(trainingQueue.benchmarkJob),
          ]),
        },
        { Effect: 'Allow', Action: ['batch:TagResource', 'batch:TerminateJob'], Resource: jobs },
        { Effect: 'Allow', Action: ['batch:DescribeJobs', 'batch:ListJobs'], Resource: '*' },
      ]);
    });
  });

  describe('least privilege', () => {
    const allStatements = () =>
      Object.values(resources).flatMap((r) => {
        if (r.Type === 'AWS::IAM::Policy') return r.Properties!.PolicyDocument.Statement as Statement[];
        if (r.Type === 'AWS::IAM::Role') return (r.Properties!.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement);
        return [];
      });

    it('THEN no identity policy allows a whole service or every action', () => {
      for (const statement of allStatements()) {
        for (const action of [statement.Action].flat()) expect(action).not.toMatch(/(^\*$|:\*$)/);
      }
    });

    it("THEN no role but the tenant role reaches a tenant's records or objects: the others' items are platform partitions or the active-searches index, their objects and listings platform prefixes", () => {
      const tenantRoleId = logicalId(stack.tenantRole.role);
      const others = Object.entries(resources).flatMap(([id, r]) => {
        if (r.Type === 'AWS::IAM::Policy' && !r.Properties!.Roles.some((role: { Ref: string }) => role.Ref === tenantRoleId)) return r.Properties!.PolicyDocument.Statement as Statement[];
        if (r.Type === 'AWS::IAM::Role' && id !== tenantRoleId) return (r.Properties!.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement);
        return [];
      });
      const json = (value: unknown) => JSON.stringify(value);
      const [bucketId, tableId] = [logicalId(stack.artifacts.bucket), logicalId(stack.records.table)];
      const platformObjects = ['tables', 'policies', 'training'].map((prefix) => json(bucketObjects(prefix)));
      const activeSearches = json({ 'Fn::Join': ['', [getAtt(stack.records.table, 'Arn'), '/index/ActiveSearches']] });
      for (const statement of others) {
        const condition = (statement.Condition ?? {}) as Record<string, Record<string, string[]>>;
        for (const resource of [statement.Resource].flat().map(json)) {
          if (resource.includes(tableId)) {
            const leadingKeys = condition['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
            if (resource === activeSearches) continue;
            expect(resource).toBe(json(getAtt(stack.records.table, 'Arn')));
            expect(leadingKeys?.length).toBeGreaterThan(0);
            for (const key of leadingKeys!) expect(['APIKEY#*', 'SESSION#*']).toContain(key);
          }
          if (resource.includes(bucketId)) {
            if (resource === json(getAtt(stack.artifacts.bucket, 'Arn'))) {
              expect(statement.Action).toBe('s3:ListBucket');
              const prefixes = condition.StringLike?.['s3:prefix'];
              expect(prefixes?.length).toBeGreaterThan(0);
              for (const prefix of prefixes!) expect(prefix).toMatch(/^(tables|policies|training)\/\*$/);
            } else {
              expect(platformObjects).toContain(resource);
            }
          }
        }
      }
    });

    it('THEN only the actions AWS offers no resource-level permission for are granted on *', () => {
      const onEverything = allStatements().filter((s) => [s.Resource].flat().includes('*'));
      expect(onEverything.flatMap((s) => [s.Action].flat()).sort()).toEqual(['batch:DescribeJobs', 'batch:ListJobs', 'ecr:GetAuthorizationToken']);
    });

    it('THEN AWS managed policies are only the logging policies of functions and of API Gateway, and the ECS policy of GPU instances', () => {
      const managed = Object.values(resources).flatMap((r) => (r.Type === 'AWS::IAM::Role' ? (r.Properties!.ManagedPolicyArns ?? []) : []));
      const names = managed.map((arn: unknown) => JSON.stringify(arn).match(/policy\/service-role\/([A-Za-z0-9]+)/)![1]);
      expect(new Set(names)).toEqual(new Set(['AWSLambdaBasicExecutionRole', 'AmazonAPIGatewayPushToCloudWatchLogs', 'AmazonEC2ContainerServiceforEC2Role']));
    });
  });

  describe('observability', () => {
    it('THEN every log group expires its events', () => {
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(groups.length).toBe(6);
      for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
    });

    it('THEN failed trial jobs are counted from the controller log and alarmed on', () => {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: ref(stack.controller.logGroup),
        FilterPattern: '{ $.message = "batch job failed" }',
        MetricTransformations: [{ MetricNamespace: 'ServerlessNas', MetricName: 'FailedTrialJobs', MetricValue: '1' }],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'ServerlessNas',
        MetricName: 'FailedTrialJobs',
        Statistic: 'Sum',
        Period: 900,
        Threshold: 5,
        AlarmActions: [ref(stack.alarms.topic)],
      });
    });

    it('THEN controller errors, dead letters, API errors and refused API requests raise alarms on the same topic, which mails the operator', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: ref(stack.controller.handler) }],
        Threshold: 1,
        AlarmActions: [ref(stack.alarms.topic)],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(stack.controller.deadLetterQueue, 'QueueName') }],
        AlarmActions: [ref(stack.alarms.topic)],
      });
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: ref(stack.api.handler) }],
          AlarmActions: [ref(stack.alarms.topic)],
        });
      }
      template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: ref(stack.alarms.topic) });
    });
  });

  describe('cost', () => {
    it('THEN a monthly cost budget tells the topic and the operator at 80% spent and 100% forecast, once it may publish there', () => {
      const subscribers = [
        { SubscriptionType: 'SNS', Address: ref(stack.alarms.topic) },
        { SubscriptionType: 'EMAIL', Address: 'ops@example.com' },
      ];
      template.hasResource('AWS::Budgets::Budget', {
        Properties: {
          Budget: { BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 100, Unit: 'USD' } },
          NotificationsWithSubscribers: [
            { Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' }, Subscribers: subscribers },
            { Notification: { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' }, Subscribers: subscribers },
          ],
          ResourceTags: [{ Key: 'project', Value: 'serverless-nas' }],
        },
        DependsOn: Match.arrayWith([Match.stringLikeRegexp('AlarmsTopicPolicy')]),
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'budgets.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
          ]),
        },
      });
    });

    it('THEN every taggable resource carries the project tag, GPU instances included', () => {
      const tagged = Object.values(resources).filter((resource) => resource.Properties?.Tags !== undefined);
      expect(new Set(tagged.map((resource) => resource.Type))).toEqual(
        new Set([
          'AWS::ApiGateway::RestApi',
          'AWS::ApiGateway::Stage',
          'AWS::Batch::ComputeEnvironment',
          'AWS::Batch::JobDefinition',
          'AWS::Batch::JobQueue',
          'AWS::CloudWatch::Alarm',
          'AWS::DynamoDB::Table',
          'AWS::EC2::FlowLog',
          'AWS::EC2::InternetGateway',
          'AWS::EC2::RouteTable',
          'AWS::EC2::SecurityGroup',
          'AWS::EC2::Subnet',
          'AWS::EC2::VPC',
          'AWS::EC2::VPCEndpoint',
          'AWS::Events::EventBus',
          'AWS::Events::Rule',
          'AWS::IAM::Role',
          'AWS::Lambda::Function',
          'AWS::Logs::LogGroup',
          'AWS::S3::Bucket',
          'AWS::SNS::Topic',
          'AWS::SQS::Queue',
        ]),
      );
      const instanceTags = environments().flatMap((properties) => (properties.ComputeResources.Tags ? [properties.ComputeResources.Tags] : []));
      for (const { Type, Properties } of [...tagged, ...instanceTags.map((Tags) => ({ Type: 'EC2 instances', Properties: { Tags } }))]) {
        // Some resources take tags as a map, most as a list of key/value pairs.
        const tags = Properties!.Tags;
        const project = Array.isArray(tags) ? tags.find((tag) => tag.Key === 'project')?.Value : (tags as Record<string, string>).project;
        expect(project, Type).toBe('serverless-nas');
      }
      expect(instanceTags).toHaveLength(2);
    });

    const environments = () => Object.values(template.findResources('AWS::Batch::ComputeEnvironment')).map((r) => r.Properties);
  });

  describe('cdk-nag', () => {
    it('THEN AWS Solutions checks find nothing that is not acknowledged', () => {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    });

    it('THEN each acknowledgment gives its reason, and the list of them is this one', () => {
      const acknowledged = stack.node.findAll().flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
          .map(([id, reason]) => ({ id: id.replace(/^annotation::/i, ''), path: construct.node.path.replace(/^ServerlessNas\//, ''), reason }))
          // aws-cdk-lib acknowledges some CloudFormation-Validate findings of its own constructs.
          .filter(({ id }) => id.startsWith('AwsSolutions-')),
      );
      for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(40);
      expect(acknowledged.map(({ id, path }) => `${path}: ${id.replace(/<(\w+?)[0-9A-F]{8}\./, '<$1.')}`).sort()).toEqual([
        'Api/Handler: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'Api/Handler: AwsSolutions-IAM5[Resource::<ArtifactsBucket.Arn>/tables/*]',
        'Api/Handler: AwsSolutions-L1',
        'Api/RestApi: AwsSolutions-APIG2',
        'Api/RestApi: AwsSolutions-APIG3',
        'Api/RestApi: AwsSolutions-APIG4',
        'Api/RestApi: AwsSolutions-COG4',
        'Api/RestApi: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'Artifacts/Bucket: AwsSolutions-S1',
        'Controller/DeadLetters: AwsSolutions-SQS3',
        'Controller/Handler: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'Controller/Handler: AwsSolutions-IAM5[Resource::*]',
        'Controller/Handler: AwsSolutions-IAM5[Resource::<ArtifactsBucket.Arn>/policies/*]',
        'Controller/Handler: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job/*]',
        'Controller/Handler: AwsSolutions-L1',
        'TenantRole/Role: AwsSolutions-IAM5[Resource::<ArtifactsBucket.Arn>/tenants/<aws:PrincipalTag/tenant>/*]',
        'TenantRole/Role: AwsSolutions-IAM5[Resource::arn:aws:s3:::*/*]',
        'TenantRole/Role: AwsSolutions-IAM5[Resource::arn:aws:s3:::*]',
        'TrainingQueue/AgentJobRole: AwsSolutions-IAM5[Resource::<ArtifactsBucket.Arn>/policies/*]',
        'TrainingQueue/AgentJobRole: AwsSolutions-IAM5[Resource::<ArtifactsBucket.Arn>/training/*]',
        'TrainingQueue/ExecutionRole: AwsSolutions-IAM5[Resource::*]',
        'TrainingQueue/GpuOnDemand: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
        'TrainingQueue/GpuSpot: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
        'TrainingQueue/JobRole: AwsSolutions-IAM5[Resource::<ArtifactsBucket.Arn>/tables/*]',
      ]);
    });
  });

  describe('bundled functions', () => {
    let db: TestStore;
    beforeAll(async () => {
      db = await startTestStore();
    });
    afterAll(() => db.close());

    /**
     * Runs a bundle the way the Lambda runtime does: plain Node, no vitest transform, only the function's
     * environment. Asynchronously, since dynalite answers from this process.
     */
    const bundleOf = (construct: IConstruct) => {
      const assetPath: string = (resources[logicalId(construct)] as unknown as { Metadata: Record<string, string> }).Metadata['aws:asset:path']!;
      return pathToFileURL(join(assemblyDir, assetPath, 'index.mjs')).href;
    };
    /** The function logs JSON lines too: what the handler gave back is the last line. */
    const runBundle = async (script: string, args: string[], env: Record<string, string>, nodeOptions: string[] = []) => {
      const { stdout } = await promisify(execFile)(process.execPath, [...nodeOptions, '--input-type=module', '-e', script, ...args], {
        env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...env },
        encoding: 'utf8',
        timeout: 20_000,
      });
      return stdout.trim().split('\n').at(-1)!;
    };
    const invokeBundle = async (construct: IConstruct, event: unknown, env: Record<string, string>) => {
      const invoke = 'const { handler } = await import(process.argv[1]); console.log(JSON.stringify(await handler(JSON.parse(process.argv[2]))));';
      return JSON.parse(await runBundle(invoke, [bundleOf(construct), JSON.stringify(event)], env));
    };

    it('THEN the API bundle runs on plain Node with the streaming runtime, and streams its answer to GET /health', async () => {
      // What the Lambda runtime does: load the module with `awslambda` in place, hand the handler a response stream.
      const invoke = [
        "const { PassThrough } = await import('node:stream');",
        'const { handler } = await import(process.argv[1]);',
        'const stream = new PassThrough(); const chunks = []; stream.on("data", (chunk) => chunks.push(chunk));',
        'await handler(JSON.parse(process.argv[2]), stream, {});',
        'console.log(Buffer.concat(chunks).toString("base64"));',
      ].join('\n');
      const runtime = fileURLToPath(new URL('../functions/lambda-streaming-runtime.mjs', import.meta.url));
      const event = restApiEvent('GET', '/health', { host: CUSTOM_DOMAIN });
      const streamed = await runBundle(invoke, [bundleOf(stack.api.handler), JSON.stringify(event)], { NAS_TABLE: 'nas' }, ['--import', pathToFileURL(runtime).href]);
      expect(parseStreamedResponse(new Uint8Array(Buffer.from(streamed, 'base64')))).toMatchObject({ statusCode: 200, body: JSON.stringify({ status: 'ok' }) });
    });

    it('THEN the controller bundle runs on plain Node and sweeps the table named in its environment', async () => {
      const env = {
        NAS_TABLE: 'nas',
        NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint,
        NAS_CPU_JOB_QUEUE: 'cpu',
        NAS_CPU_JOB_DEFINITION: 'benchmark:1',
        NAS_GPU_JOB_QUEUE: 'gpu',
        NAS_GPU_JOB_DEFINITION: 'train:1',
      };
      expect(await invokeBundle(stack.controller.handler, scheduledEvent(), env)).toEqual({ trigger: 'sweep', ticked: [] });
    });
  });
});

describe('Api on a domain of its own', () => {
  it('GIVEN a domain and its certificate WHEN the stack is built THEN the API answers at the root of that domain, whose DNS target the stack prints', () => {
    // Bundling skipped: only the template is looked at.
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const stack = new NasStack(app, 'Domain', { apiDomain: { name: 'nas.example.com', certificateArn } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'nas.example.com',
      RegionalCertificateArn: certificateArn,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    // Mapped at the root: paths reach the app as sent, the dashboard's among them.
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { RestApiId: { Ref: logicalId(stack.api.restApi) }, Stage: { Ref: Match.anyValue() }, BasePath: Match.absent() });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ApiUrl!.Value).toBe('https://nas.example.com');
    expect(outputs.ApiDomainTarget!.Value).toEqual(stack.resolve(stack.api.restApi.domainName!.domainNameAliasDomainName));
  });
});

describe('Api behind IAM', () => {
  it('GIVEN apiIamAuthorization WHEN the stack is built THEN every method needs a SigV4-signed caller, and cdk-nag finds no unauthenticated method', () => {
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    const stack = new NasStack(app, 'Iam', { apiIamAuthorization: true });
    const methods = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::Method'));
    expect(methods.length).toBeGreaterThan(0);
    expect(methods.map((method) => method.Properties.AuthorizationType)).toEqual(methods.map(() => 'AWS_IAM'));
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations).toEqual([]);
  });
});

describe('Records', () => {
  it('GIVEN a throwaway stack WHEN retention and protection are turned off THEN the table can be deleted', () => {
    const stack = new Stack(new App(), 'Throwaway');
    new Records(stack, 'Records', { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false });
    Template.fromStack(stack).hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: { DeletionProtectionEnabled: false },
    });
  });
});

describe('CostGuard', () => {
  it('GIVEN a dedicated account is not available WHEN onlyProjectTag is set THEN the budget counts only costs tagged project=serverless-nas', () => {
    const stack = new Stack(new App(), 'Budget');
    new CostGuard(stack, 'CostGuard', { monthlyLimitUsd: 25, topic: new Topic(stack, 'Topic'), onlyProjectTag: true });
    Template.fromStack(stack).hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetLimit: { Amount: 25, Unit: 'USD' }, CostFilters: { TagKeyValue: ['user:project$serverless-nas'] } },
      NotificationsWithSubscribers: Match.arrayWith([Match.objectLike({ Subscribers: [{ SubscriptionType: 'SNS', Address: { Ref: Match.anyValue() } }] })]),
    });
  });
});

describe('stages', () => {
  // Without bundling the functions: the stacks differ in names and removal policies only.
  const synth = (props: ConstructorParameters<typeof NasStack>[2]) => {
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    const stack = new NasStack(app, stackNameFor(props?.stage), props);
    return { stack, template: Template.fromStack(stack) };
  };

  it('GIVEN -c stage=dev WHEN the app names the stack THEN it is ServerlessNas-dev, every resource is tagged with the stage; a bad stage is refused', () => {
    expect(stackNameFor(undefined)).toBe('ServerlessNas');
    expect(stackNameFor('dev')).toBe('ServerlessNas-dev');
    expect(() => stackNameFor('Dev_1')).toThrow(/-c stage must be/);
    const { template } = synth({ stage: 'dev' });
    template.hasResourceProperties('AWS::DynamoDB::Table', { Tags: Match.arrayWith([{ Key: 'stage', Value: 'dev' }]) });
    template.hasResourceProperties('AWS::Batch::JobQueue', { Tags: Match.objectLike({ stage: 'dev' }) });
  });

  it('GIVEN -c ephemeral=true WHEN synthesized THEN the table and the bucket (emptied first) are deleted with the stack, and cdk-nag still passes', () => {
    const { template, stack } = synth({ stage: 'tmp', ephemeral: true });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('GIVEN no switch WHEN synthesized THEN the table and the bucket are retained', () => {
    const { template } = synth({});
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('GIVEN -c runnableTimeoutMinutes=30 WHEN synthesized THEN the last queues cancel after 30 minutes; a limit Batch refuses is refused', () => {
    const { template } = synth({ runnableTimeoutMinutes: 30 });
    template.hasResourceProperties('AWS::Batch::JobQueue', { JobStateTimeLimitActions: Match.arrayWith([Match.objectLike({ MaxTimeSeconds: 1800 })]) });
    expect(() => synth({ runnableTimeoutMinutes: 5 })).toThrow(/runnableTimeoutMinutes must be a whole number of minutes from 10 to 1440/);
  });
});

describe('Container trials', () => {
  // GIVEN a stack deployed with `-c containerTrials=true` (bundling skipped: only the template is looked at)
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new NasStack(app, 'Containers', { containerTrials: true });
  const template = Template.fromStack(stack);
  const containerJobs = stack.containerJobs!;
  const policyArn = { Ref: logicalId(containerJobs.tenantPolicy) };
  const executionPolicyArn = { Ref: logicalId(containerJobs.executionPolicy) };
  const controllerStatements = (): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === logicalId(stack.controller.handler.role!)))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  const allowing = (action: string) => controllerStatements().filter((s) => [s.Action].flat().includes(action));
  const containerRoles = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/nas-container/*']] };

  it("THEN a tenant's container reaches the objects under its own tenant's folder only: the tenant policy names the role's tenant tag, nothing else", () => {
    const statements: Statement[] = template.findResources('AWS::IAM::ManagedPolicy')[logicalId(containerJobs.tenantPolicy)]!.Properties!.PolicyDocument.Statement;
    const tenantObjects = { 'Fn::Join': ['', [getAtt(stack.artifacts.bucket, 'Arn'), '/tenants/${aws:PrincipalTag/tenant}/*']] };
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: tenantObjects },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: getAtt(stack.artifacts.bucket, 'Arn'), Condition: { StringLike: { 's3:prefix': 'tenants/${aws:PrincipalTag/tenant}/*' } } },
    ]);
  });

  it('THEN the controller makes container job and execution roles only on their path, each bounded by the tenant or the execution policy, tagged with a tenant alone, with no other policy, and passes them to ECS tasks only', () => {
    expect(allowing('iam:CreateRole')).toEqual([
      { Effect: 'Allow', Action: 'iam:CreateRole', Resource: containerRoles, Condition: { StringEquals: { 'iam:PermissionsBoundary': [policyArn, executionPolicyArn] } } },
    ]);
    expect(allowing('iam:AttachRolePolicy')).toEqual([
      { Effect: 'Allow', Action: 'iam:AttachRolePolicy', Resource: containerRoles, Condition: { ArnEquals: { 'iam:PolicyARN': [policyArn, executionPolicyArn] } } },
    ]);
    expect(allowing('iam:TagRole')).toEqual([{ Effect: 'Allow', Action: 'iam:TagRole', Resource: containerRoles, Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenant'] } } }]);
    // No shared execution role any more: only the per-tenant roles on the container path are passed.
    expect(allowing('iam:PassRole')).toEqual([{ Effect: 'Allow', Action: 'iam:PassRole', Resource: containerRoles, Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } }]);
    for (const action of ['iam:PutRolePolicy', 'iam:DeleteRolePermissionsBoundary', 'iam:PutRolePermissionsBoundary', 'iam:UntagRole', 'iam:UpdateAssumeRolePolicy']) expect(allowing(action)).toEqual([]);
  });

  it('THEN the controller registers and submits nas-container-* job definitions only, and reads the container log streams of the job log group', () => {
    const definitions = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':batch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':job-definition/nas-container-*']] };
    expect(allowing('batch:RegisterJobDefinition')).toEqual([{ Effect: 'Allow', Action: ['batch:RegisterJobDefinition', 'batch:SubmitJob'], Resource: definitions }]);
    expect(allowing('logs:GetLogEvents')).toEqual([
      {
        Effect: 'Allow',
        Action: 'logs:GetLogEvents',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:', { Ref: logicalId(stack.trainingQueue.logGroup) }, ':log-stream:container/*']] },
      },
    ]);
  });

  it("THEN a tenant's execution role pulls this account's images under its own tenant's folder only, other accounts' images only where their own policy grants it, and writes to the job log group", () => {
    const statements: Statement[] = template.findResources('AWS::IAM::ManagedPolicy')[logicalId(containerJobs.executionPolicy)]!.Properties!.PolicyDocument.Statement;
    const pulls = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: pulls,
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':repository/tenants/${aws:PrincipalTag/tenant}/*']] },
      },
      {
        Effect: 'Allow',
        Action: pulls,
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:*:*:repository/*']] },
        Condition: { StringNotEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } }, Null: { 'aws:ResourceAccount': 'false' } },
      },
      { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: getAtt(stack.trainingQueue.logGroup, 'Arn') },
    ]);
    // Nowhere an account-wide repository/* of this account: that let any tenant run any tenant's image.
    const everyStatement = [
      ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]),
      ...Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]),
    ];
    const ownAccountRepositories = JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':repository/*']] });
    expect(everyStatement.filter((s) => [s.Resource].flat().some((r) => JSON.stringify(r) === ownAccountRepositories))).toEqual([]);
    // Any pull on every repository (of any account) is the other accounts' statement, which never applies to this account's.
    const anyRepository = everyStatement.filter((s) => [s.Action].flat().includes('ecr:BatchGetImage') && [s.Resource].flat().some((r) => JSON.stringify(r).endsWith(':repository/*\"]]}')));
    expect(anyRepository).toEqual([statements[1]]);
    // No standing execution role of the container jobs: each tenant's is made by the controller.
    expect(Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('ContainerJobs'))).toEqual([]);
  });

  it('THEN the functions are told where containers run and which account is the service\'s own, and cdk-nag finds nothing unacknowledged', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NAS_CONTAINER_JOB_POLICY_ARN: policyArn, NAS_CONTAINER_EXECUTION_POLICY_ARN: executionPolicyArn, NAS_JOB_LOG_GROUP: { Ref: logicalId(stack.trainingQueue.logGroup) } }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ NAS_CONTAINER_TRIALS: 'batch', NAS_SERVICE_ACCOUNT: { Ref: 'AWS::AccountId' } }) } });
    // The controller gives each container the API's URL to report to with its trial token.
    const controllerEnv = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ NAS_CONTAINER_JOB_POLICY_ARN: policyArn }) } } });
    const apiUrl = Object.values(controllerEnv).map((f) => f.Properties.Environment.Variables.NAS_API_URL);
    expect(apiUrl).toHaveLength(1);
    expect(JSON.stringify(apiUrl[0])).toContain(logicalId(stack.api.restApi));
    const variables = Object.values(template.findResources('AWS::Lambda::Function')).flatMap((f) => Object.keys(f.Properties.Environment?.Variables ?? {}));
    expect(variables).not.toContain('NAS_CONTAINER_EXECUTION_ROLE_ARN');
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => `${r.constructPath}`).join(', ')}`)).toEqual([]);
  });

  it('GIVEN the default stack THEN no function is told to run container trials', () => {
    const plain = new NasStack(new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } }), 'Plain');
    const variables = Object.values(Template.fromStack(plain).findResources('AWS::Lambda::Function')).map((f) => Object.keys(f.Properties.Environment?.Variables ?? {}));
    expect(variables.flat().filter((name) => name.startsWith('NAS_CONTAINER_') || name === 'NAS_SERVICE_ACCOUNT' || name === 'NAS_API_URL')).toEqual([]);
  });
});
