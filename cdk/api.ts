import { Duration } from 'aws-cdk-lib';
import { CfnStage, HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeNag, arnWildcardFinding, TABLE_INDEXES_REASON } from './nag.js';
import { serviceFunction } from './service-function.js';

export interface ApiProps {
  /** The records table the API reads and writes (`Records.table`). */
  readonly table: ITable;
  /** Where the API puts search events for the controller (`Controller.eventBus`). */
  readonly eventBus: IEventBus;
  /** Trained models the API exports and the predictors it trains (`Artifacts.bucket`). */
  readonly artifacts: IBucket;
  /**
   * Requests per second (and burst) the HTTP API accepts across all clients before answering 429: a
   * ceiling on what a runaway client can cost, above the app's own per-tenant rate limit.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/**
 * The HTTP API: one Lambda running the whole Hono app (`functions/api.ts`) behind an API Gateway HTTP
 * API whose `$default` route sends every request to it, so routing stays in one place, the app.
 */
export class Api extends Construct {
  readonly handler: NodejsFunction;
  readonly httpApi: HttpApi;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.handler = serviceFunction(this, 'Handler', {
      entry: 'api.ts',
      description: 'serverless-nas HTTP API (Hono)',
      // The HTTP API gives up after 30 s; routes are a few DynamoDB calls, or a predictor trained on a few hundred trials.
      timeout: Duration.seconds(10),
      environment: { NAS_TABLE: props.table.tableName, NAS_EVENT_BUS: props.eventBus.eventBusName, NAS_ARTIFACTS: `s3://${props.artifacts.bucketName}` },
    }).handler;
    // Exports read trained models under searches/; predictors are trained and kept under tenants/.
    Grant.addToPrincipal({ grantee: this.handler, actions: ['s3:GetObject'], resourceArns: [props.artifacts.arnForObjects('searches/*')] });
    Grant.addToPrincipal({ grantee: this.handler, actions: ['s3:GetObject', 's3:PutObject'], resourceArns: [props.artifacts.arnForObjects('tenants/*')] });
    acknowledgeNag(
      this.handler,
      'AwsSolutions-IAM5',
      'Exports and predictors are keyed by search and tenant ids that exist only at run time; the grant is on two key prefixes of this one bucket.',
      [arnWildcardFinding(props.artifacts, 'searches/*'), arnWildcardFinding(props.artifacts, 'tenants/*')],
    );
    props.table.grantReadWriteData(this.handler);
    acknowledgeNag(this.handler, 'AwsSolutions-IAM5', TABLE_INDEXES_REASON, [arnWildcardFinding(props.table, 'index/*')]);
    props.eventBus.grantPutEventsTo(this.handler);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'serverless-nas HTTP API',
      defaultIntegration: new HttpLambdaIntegration('Handler', this.handler),
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    const throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    const stage = this.httpApi.defaultStage!.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: this.accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        time: '$context.requestTime',
        method: '$context.httpMethod',
        path: '$context.path',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    stage.defaultRouteSettings = { throttlingRateLimit: throttle.rateLimit, throttlingBurstLimit: throttle.burstLimit };
    acknowledgeNag(
      this.httpApi,
      'AwsSolutions-APIG4',
      "Authentication is the app's own: every /v1 route requires an API key (Bearer or X-API-Key), checked against hashed keys in the table on each request; " +
        '/health and /openapi.json are public by design.',
    );
  }
}
