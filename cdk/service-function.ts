import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeNag } from './nag.js';

export interface ServiceFunctionProps {
  /** The entry under `functions/`, e.g. `api.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Concurrency, and asynchronous invocation settings for functions that events invoke. */
  readonly invocation?: Pick<NodejsFunctionProps, 'reservedConcurrentExecutions' | 'deadLetterQueue' | 'retryAttempts' | 'maxEventAge'>;
}

/**
 * A Lambda running one of `functions/`, built the same way for every function: Node 22 on ARM, bundled
 * by the local esbuild (no Docker, no network) as ESM with source maps, its own log group with a retention.
 */
export function serviceFunction(scope: Construct, id: string, props: ServiceFunctionProps): { handler: NodejsFunction; logGroup: LogGroup } {
  const logGroup = new LogGroup(scope, `${id}Logs`, { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
  const handler = new NodejsFunction(scope, id, {
    entry: fileURLToPath(new URL(`../functions/${props.entry}`, import.meta.url)),
    handler: 'handler',
    description: props.description,
    // Node 22 rather than the repo's Node 20: the AWS SDK drops Node 20 in 2027.
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize ?? 512,
    timeout: props.timeout,
    // Stack traces point into src/ through the bundle's source map.
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    logGroup,
    ...props.invocation,
    bundling: {
      format: OutputFormat.ESM,
      mainFields: ['module', 'main'],
      minify: true,
      // Errors only: esbuild's size notes on every synth are nothing an operator acts on.
      logLevel: LogLevel.ERROR,
      sourceMap: true,
      sourcesContent: false,
      // Ship the SDK version the adapters are tested with instead of whichever the runtime carries.
      bundleAwsSDK: true,
      // A native module esbuild cannot bundle; the NB301 surrogate imports it only when a search asks for
      // NB301, so the functions run without it (docs/deployment.md: NB301 lookups in the cloud).
      externalModules: ['onnxruntime-node'],
      // Some CommonJS dependencies of the SDK clients require() Node built-ins at run time, which an ES
      // module bundle cannot do without a real `require` in scope.
      banner: "import { createRequire as __nasCreateRequire } from 'node:module'; const require = __nasCreateRequire(import.meta.url);",
    },
  });
  acknowledgeNag(
    handler,
    'AwsSolutions-IAM4',
    'AWSLambdaBasicExecutionRole grants exactly CreateLogGroup, CreateLogStream and PutLogEvents, which every function needs for its logs.',
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  );
  acknowledgeNag(
    handler,
    'AwsSolutions-L1',
    'Node 22 is the newest runtime the service is tested on (the repository targets Node 20 and up) and Lambda supports it until 2027; moving on is a tested change.',
  );
  return { handler, logGroup };
}
