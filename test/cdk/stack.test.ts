import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NasStack } from '../../cdk/nas-stack.js';
import { Records } from '../../cdk/records.js';
import { createTableInput } from '../../src/store/table.js';
import { httpApiEvent } from '../functions/http-api-event.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

describe('NasStack', () => {
  // GIVEN the stack as `cdk synth` builds it (cdk.json's feature flags, asset paths in the metadata),
  // WHEN synthesized once: bundling the function is most of the cost.
  let template: Template;
  let assemblyDir: string;
  let tableId: string;
  let functionId: string;
  let roleId: string;
  beforeAll(() => {
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true } });
    const stack = new NasStack(app, 'ServerlessNas');
    template = Template.fromStack(stack);
    assemblyDir = app.synth().directory;
    tableId = logicalId(stack.records.table);
    functionId = logicalId(stack.api.handler);
    roleId = logicalId(stack.api.handler.role!);
  });

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
      },
    });
  });

  it('THEN its keys, attributes and index are those of the embedded table, so cloud and local agree', () => {
    const local = createTableInput('nas');
    const table = template.toJSON().Resources[tableId].Properties;
    expect(table.KeySchema).toEqual(local.KeySchema);
    expect(table.AttributeDefinitions).toHaveLength(local.AttributeDefinitions!.length);
    expect(table.AttributeDefinitions).toEqual(expect.arrayContaining(local.AttributeDefinitions!));
    expect(table.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
  });

  it('THEN the function is told the table name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ NAS_TABLE: { Ref: tableId } }) },
    });
  });

  it('THEN an HTTP API sends every route to the function with payload format 2.0', () => {
    const functionArn = { 'Fn::GetAtt': [functionId, 'Arn'] };
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const [integrationId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Integration', { Properties: { IntegrationUri: functionArn } }));
    expect(integrationId).toBeDefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', IntegrationUri: functionArn, PayloadFormatVersion: '2.0' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$default',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: functionArn,
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it("THEN the function's role may use DynamoDB on the table and its indexes only", () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Role: { 'Fn::GetAtt': [roleId, 'Arn'] } });
    const statements: { Action: string | string[]; Resource: unknown }[] = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    ).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const dynamoStatements = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')));

    expect(dynamoStatements.flatMap((statement) => [statement.Action].flat())).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']),
    );
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    for (const statement of dynamoStatements) {
      expect([statement.Resource].flat()).toEqual([tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }]);
    }
  });

  it('THEN every taggable resource carries the project tag', () => {
    const tagged = Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties?: { Tags?: unknown } }>).filter(
      (resource) => resource.Properties?.Tags !== undefined,
    );
    expect(tagged.map((resource) => resource.Type)).toEqual(
      expect.arrayContaining(['AWS::DynamoDB::Table', 'AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::ApiGatewayV2::Api', 'AWS::Logs::LogGroup']),
    );
    for (const { Properties } of tagged) {
      // HTTP APIs take tags as a map, most other resources as a list of key/value pairs.
      const tags = Properties!.Tags;
      const project = Array.isArray(tags) ? tags.find((tag) => tag.Key === 'project')?.Value : (tags as Record<string, string>).project;
      expect(project).toBe('serverless-nas');
    }
  });

  it('THEN the bundled function runs on plain Node and answers GET /health', () => {
    const assetPath: string = template.toJSON().Resources[functionId].Metadata['aws:asset:path'];
    const bundle = pathToFileURL(join(assemblyDir, assetPath, 'index.mjs')).href;
    // A child process rather than an import: vitest would transform the module, the Lambda runtime does not.
    const invoke = 'const { handler } = await import(process.argv[1]); console.log(JSON.stringify(await handler(JSON.parse(process.argv[2]))));';
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', invoke, bundle, JSON.stringify(httpApiEvent('GET', '/health'))], {
      env: { PATH: process.env.PATH, NAS_TABLE: 'nas', AWS_REGION: 'eu-west-1' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(JSON.parse(output)).toMatchObject({ statusCode: 200, body: JSON.stringify({ status: 'ok' }) });
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
