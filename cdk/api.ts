import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface ApiProps {
  /** The records table the API reads and writes (`Records.table`). */
  readonly table: ITable;
}

/**
 * The HTTP API: one Lambda running the whole Hono app (`functions/api.ts`) behind an API Gateway HTTP
 * API whose `$default` route sends every request to it, so routing stays in one place, the app.
 */
export class Api extends Construct {
  readonly handler: NodejsFunction;
  readonly httpApi: HttpApi;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.handler = new NodejsFunction(this, 'Handler', {
      entry: fileURLToPath(new URL('../functions/api.ts', import.meta.url)),
      handler: 'handler',
      // Node 22 rather than the repo's Node 20: the AWS SDK drops Node 20 in 2027.
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      // The HTTP API gives up after 30 s; every route is a few DynamoDB calls.
      timeout: Duration.seconds(10),
      // Stack traces point into src/ through the bundle's source map.
      environment: { NAS_TABLE: props.table.tableName, NODE_OPTIONS: '--enable-source-maps' },
      logGroup: new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH }),
      // esbuild runs locally at synth time (it is installed with tsx): no Docker, no network.
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Ship the SDK version the store is tested with instead of whichever the runtime carries.
        bundleAwsSDK: true,
      },
    });
    props.table.grantReadWriteData(this.handler);

    // API keys arrive as an authorizer here (`defaultAuthorizer`), with the authentication issue.
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'serverless-nas HTTP API',
      defaultIntegration: new HttpLambdaIntegration('Handler', this.handler),
    });
  }
}
