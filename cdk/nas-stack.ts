import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from './api.js';
import { Records } from './records.js';

/** The whole service in one stack: constructs per concern, sharing the records table. */
export class NasStack extends Stack {
  readonly records: Records;
  readonly api: Api;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.records = new Records(this, 'Records');
    this.api = new Api(this, 'Api', { table: this.records.table });
    // The controller (EventBridge rule → Lambda running `tick`) and the training queue (AWS Batch)
    // join here with their issues, taking `records.table` the same way.
    new CfnOutput(this, 'ApiUrl', { value: this.api.httpApi.apiEndpoint, description: 'Base URL of the HTTP API' });
    Tags.of(this).add('project', 'serverless-nas');
  }
}
