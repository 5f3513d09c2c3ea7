import { Duration, Fn, Stack } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  LambdaRestApi,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseTransferMode,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigateway';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantListArtifacts, TABLES_PREFIX } from './artifacts.js';
import { acknowledgeNag, arnWildcardFinding } from './nag.js';
import { grantPlatformItems, PLATFORM_PARTITIONS } from './records.js';
import { serviceFunction } from './service-function.js';
import type { TenantRole } from './tenant-role.js';
import { TENANT_ROLE_ENV } from '../src/aws/tenant-credentials.js';

/**
 * The REST API's stage, which the execute-api host puts first in every path. It is named after the
 * API's own `/v1` routes, so that `https://<id>.execute-api.<region>.amazonaws.com/v1/searches` is the
 * app's `/v1/searches` and clients append `/v1/...` to the bare host as they do locally.
 */
export const API_STAGE = 'v1';

/**
 * How long one response may stream: the longest an API Gateway integration may stream (and a Lambda
 * invocation may run). It ends an event stream of a search still running; EventSource clients, the
 * dashboard's among them, reconnect by themselves. Other requests take milliseconds.
 */
const STREAM_TIMEOUT = Duration.minutes(15);

/**
 * Requests the function serves at once (its reserved concurrency). A client following a search's events
 * holds one for as long as it follows, which the stage's per-second throttle does not bound.
 */
const MAX_CONCURRENCY = 100;

export interface ApiDomain {
  /** e.g. `nas.example.com`; point a CNAME at the stack's `ApiDomainTarget` output. */
  readonly name: string;
  /** An ACM certificate for `name`, in the stack's region. */
  readonly certificate: ICertificate;
}

export interface ApiProps {
  /** The records table the API reads and writes (`Records.table`). */
  readonly table: ITable;
  /** Where the API puts search events for the controller (`Controller.eventBus`). */
  readonly eventBus: IEventBus;
  /** Trained models the API exports, the predictors it trains, the tables searches name (`Artifacts.bucket`). */
  readonly artifacts: IBucket;
  /** Whose credentials, per tenant, reach the tenants' records and artifacts. */
  readonly tenantRole: TenantRole;
  /**
   * Requests per second (and burst) the stage accepts across all clients before answering 429: a ceiling
   * on what a runaway client can cost, above the app's own per-tenant rate limit.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * A domain of the service's own, mapped at its root. The dashboard needs one: its links and redirects
   * are absolute paths (`/searches/...`), which on the execute-api host would leave the stage.
   * @default none: the execute-api host only
   */
  readonly domain?: ApiDomain;
  /**
   * Also require every request to be signed (SigV4) with AWS credentials allowed `execute-api:Invoke` on
   * this API, in front of the app's own API keys (which still name the tenant): for a deployment used only
   * from inside an AWS organization. Browsers cannot sign, so the dashboard is then out of reach.
   * @default false
   */
  readonly iamAuthorization?: boolean;
}

/**
 * The HTTP API: an API Gateway REST API whose root and `{proxy+}` resources send every method to one
 * Lambda running the whole Hono app (`functions/api.ts`), so routing stays in one place, the app.
 *
 * A REST API rather than an HTTP API because only REST APIs stream a Lambda's response
 * (`ResponseTransferMode.STREAM`): server-sent events reach clients as they happen, a response may run
 * for 15 minutes and is not cut at 10 MB. HTTP APIs buffer every response, which would hold an event
 * stream until the function ended.
 *
 * Authentication is the app's: every `/v1` request carries an API key (Bearer, X-API-Key or the
 * dashboard's session cookie), checked against hashed keys in the table; `/health`, `/openapi.json` and
 * the dashboard's sign-in page are public by design. `iamAuthorization` puts IAM in front of that.
 */
export class Api extends Construct {
  readonly handler: NodejsFunction;
  readonly restApi: LambdaRestApi;
  readonly accessLogs: LogGroup;
  /** The API's base URL, without a trailing `/` (clients append `/v1/...`). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { artifacts } = props;
    this.handler = serviceFunction(this, 'Handler', {
      entry: 'api.ts',
      description: 'serverless-nas HTTP API (Hono), streamed through API Gateway',
      timeout: STREAM_TIMEOUT,
      environment: {
        NAS_TABLE: props.table.tableName,
        NAS_EVENT_BUS: props.eventBus.eventBusName,
        NAS_ARTIFACTS: `s3://${artifacts.bucketName}`,
        NAS_TABLES: `s3://${artifacts.bucketName}/${TABLES_PREFIX}`,
        [TENANT_ROLE_ENV]: props.tenantRole.roleArn,
      },
      invocation: { reservedConcurrentExecutions: MAX_CONCURRENCY },
    }).handler;
    // Tenants' searches, trials, keys, limits, exports and predictors: only through tenant credentials.
    props.tenantRole.grantAssumeAsTenant(this.handler);
    // Its own: API keys and dashboard sessions, looked up before the tenant is known (sessions are made
    // and ended here too), and the imported tables searches name.
    grantPlatformItems(this.handler, props.table, PLATFORM_PARTITIONS.apiKeys, ['GetItem']);
    grantPlatformItems(this.handler, props.table, PLATFORM_PARTITIONS.sessions, ['GetItem', 'PutItem', 'DeleteItem']);
    Grant.addToPrincipal({ grantee: this.handler, actions: ['s3:GetObject'], resourceArns: [artifacts.arnForObjects(`${TABLES_PREFIX}/*`)] });
    grantListArtifacts(this.handler, artifacts, [TABLES_PREFIX]);
    acknowledgeNag(
      this.handler,
      'AwsSolutions-IAM5',
      'Imported tables are read by names chosen when they are uploaded; the grant is GetObject on the tables/ prefix of this one bucket.',
      [arnWildcardFinding(artifacts, `${TABLES_PREFIX}/*`)],
    );
    props.eventBus.grantPutEventsTo(this.handler);

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    const throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    this.restApi = new LambdaRestApi(this, 'RestApi', {
      handler: this.handler,
      description: 'serverless-nas HTTP API',
      // Regional: an edge-optimized endpoint cuts a stream that is idle for 30 s, a regional one after 5 minutes.
      endpointTypes: [EndpointType.REGIONAL],
      ...(props.iamAuthorization ? { defaultMethodOptions: { authorizationType: AuthorizationType.IAM } } : {}),
      integrationOptions: { responseTransferMode: ResponseTransferMode.STREAM, timeout: STREAM_TIMEOUT },
      // Execution logs (errors only: a failed invocation, a response API Gateway could not read) need the
      // account's API Gateway CloudWatch role.
      cloudWatchRole: true,
      deployOptions: {
        stageName: API_STAGE,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        loggingLevel: MethodLoggingLevel.ERROR,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
      ...(props.domain
        ? { domainName: { domainName: props.domain.name, certificate: props.domain.certificate, endpointType: EndpointType.REGIONAL, securityPolicy: SecurityPolicy.TLS_1_2 } }
        : {}),
    });
    // API Gateway creates the execution log group on first use, without a retention: create it first, with one.
    const executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.restApi.restApiId}/${API_STAGE}`,
      retention: RetentionDays.ONE_MONTH,
    });
    this.restApi.deploymentStage.node.addDependency(executionLogs);
    // The construct's own output names the stage's URL; the stack prints `url`, which clients append /v1/... to.
    this.restApi.node.tryRemoveChild('Endpoint');

    this.url = props.domain
      ? `https://${props.domain.name}`
      : Fn.join('', ['https://', this.restApi.restApiId, '.execute-api.', Stack.of(this).region, '.', Stack.of(this).urlSuffix]);

    const appAuthenticates =
      'The app authenticates every /v1 request itself with a per-tenant API key (Bearer, X-API-Key or the dashboard session cookie), ' +
      'looked up by its hash in the records table on each request; /health, /openapi.json and the dashboard sign-in page are public by design. ' +
      "Tenants have neither AWS credentials (IAM) nor a Cognito identity, and API Gateway's own API keys are not authentication.";
    if (!props.iamAuthorization) acknowledgeNag(this.restApi, 'AwsSolutions-APIG4', appAuthenticates);
    acknowledgeNag(this.restApi, 'AwsSolutions-COG4', appAuthenticates);
    acknowledgeNag(
      this.restApi,
      'AwsSolutions-APIG2',
      'A proxy to one function has no per-route models to validate against: the app validates every parameter and body with the schemas of its OpenAPI document and answers application/problem+json naming the field.',
    );
    acknowledgeNag(
      this.restApi,
      'AwsSolutions-APIG3',
      "The stage's throttle and the app's per-tenant rate limit bound abuse; a WAF web ACL (about $6 a month before requests) is worth adding when the API faces hostile traffic.",
    );
    acknowledgeNag(
      this.restApi,
      'AwsSolutions-IAM4',
      "API Gateway's account-wide CloudWatch role holds AmazonAPIGatewayPushToCloudWatchLogs, the policy AWS documents for exactly this role; it writes the execution logs.",
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
    );
  }
}
