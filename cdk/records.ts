import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ACTIVE_SEARCHES_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '../src/store/table.js';

/**
 * Partitions of the platform's own items (src/store/table.ts), read before any tenant is known: an API key
 * by its hash, a dashboard session by the hash of its id. Everything else in the table is a tenant's, and
 * only tenant credentials (cdk/tenant-role.ts) reach it.
 */
export const PLATFORM_PARTITIONS = { apiKeys: 'APIKEY#', sessions: 'SESSION#' } as const;

/**
 * Lets `grantee` run `actions` (`GetItem`, ...) on the items of one platform partition family only
 * (`dynamodb:LeadingKeys`): no tenant's items, and no Scan or index.
 */
export function grantPlatformItems(grantee: IGrantable, table: ITable, partition: string, actions: readonly string[]): Grant {
  return Grant.addToPrincipal({
    grantee,
    actions: actions.map((action) => `dynamodb:${action}`),
    resourceArns: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${partition}*`] } },
  });
}

/**
 * Lets `grantee` query the `ActiveSearches` index, which holds the keys of unfinished searches only (tenant
 * and search ids, no record): what the sweep needs to know which searches to tick.
 */
export function grantQueryActiveSearches(grantee: IGrantable, table: ITable): Grant {
  return Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [`${table.tableArn}/index/${ACTIVE_SEARCHES_INDEX.name}`] });
}

export interface RecordsProps {
  /**
   * What CloudFormation does with the table when it leaves the stack. Searches and trials are the
   * service's only copy of paid-for results, so they outlive the stack unless told otherwise.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether DynamoDB refuses `DeleteTable`, whoever asks. Turn off together with a `DESTROY` removal
   * policy for throwaway stacks.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * The single DynamoDB table of searches, trials and architecture guards. Keys and the `ActiveSearches`
 * index come from `src/store/table.ts`, the same design the store adapter and the embedded dynalite use.
 */
export class Records extends Construct {
  readonly table: ITable;

  constructor(scope: Construct, id: string, props: RecordsProps = {}) {
    super(scope, id);
    const table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      // Traffic follows searches being run: bursty, often idle, which on-demand billing prices best.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      // Rate-limit windows and dashboard sessions delete themselves once over.
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
    table.addGlobalSecondaryIndex({
      indexName: ACTIVE_SEARCHES_INDEX.name,
      partitionKey: { name: ACTIVE_SEARCHES_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: ACTIVE_SEARCHES_INDEX.sortKey, type: AttributeType.STRING },
      // The sweep reads only the keys of active searches, then re-reads each search consistently.
      projectionType: ProjectionType[ACTIVE_SEARCHES_INDEX.projection],
    });
    this.table = table;
  }
}
